// Live output of a running job: an addition of ours to the 2017 protocol
// (docs/protocol/extensions.md), which the original's clients never call and the original's
// servers answer with 404 `Not Found`.
//
//   RM: GET /api/v1/requests/:reqId/output/:jobId?try=N&stdout=OFFSET&stderr=OFFSET&max=BYTES
//   JR: GET /api/v1/job-chains/:requestId/output/:jobId?…the same
//
// One answer carries both streams from the byte offsets asked for (at most `max` bytes of each,
// never ending inside a character). A follower asks again from each stream's `next` until the
// answer is `done`: the try is over and its job log is stored, and the text served from then on
// is that log's, so what a follower read, end to end, is exactly what the log stores (the
// truncation marker included). Offsets count the bytes of the text's UTF-8.
//
//   {"requestId":"4f1c…","jobId":"restart-web3@2","try":1,"state":2,"exit":null,"done":false,
//    "live":true,"status":"web3: draining connections (12 left)",
//    "stdout":{"offset":0,"next":4096,"text":"…","size":4096,"dropped":0},
//    "stderr":{"offset":0,"next":0,"text":"","size":0,"dropped":0}}

import type { State } from './proto';

/** A piece of one stream. */
export interface OutputSlice {
  /** Where `text` starts (the offset asked for, at most `size`). */
  offset: number;
  /** Where to ask from next: `offset` plus the bytes of `text`. */
  next: number;
  text: string;
  /** Bytes of the stream there are so far (kept under the cap; the whole log's once done). */
  size: number;
  /** Bytes printed past the cap and not kept, so far. */
  dropped: number;
}

export interface JobOutput {
  requestId: string;
  jobId: string;
  /** The try shown (1..); 0 before the job's first try (or when the job runner cannot tell). */
  try: number;
  /** PENDING before the first try, RUNNING while the try runs, then the try's state. */
  state: State;
  /** The try's exit code once it is over, else null. */
  exit: number | null;
  /** The try is over (its log is stored) or will never run: nothing more will come. */
  done: boolean;
  /**
   * The job runner serves the running try's output. False when it does not (an original job
   * runner): only `status` tells what the job does, and the output comes with the job log.
   */
  live: boolean;
  /** The running job's status text (its last output line, for a shell job), else ''. */
  status: string;
  stdout: OutputSlice;
  stderr: OutputSlice;
}

export interface OutputQuery {
  /** The try to read; absent: the running try, else the latest one. */
  try?: number;
  stdout: number;
  stderr: number;
  /** Most bytes of each stream in one answer. */
  max: number;
}

export const OUTPUT_STREAMS = ['stdout', 'stderr'] as const;
export type OutputStream = (typeof OUTPUT_STREAMS)[number];

/** Bytes of each stream in one answer: by default, and at most. */
export const DEFAULT_OUTPUT_MAX = 1024 * 1024;
export const MAX_OUTPUT_MAX = 8 * 1024 * 1024;
const MIN_OUTPUT_MAX = 1024;

/** The RM's path for a job's output (ids as path segments, '@' kept as the original's clients send it). */
export function requestOutputPath(requestId: string, jobId: string): string {
  return `/api/v1/requests/${segment(requestId)}/output/${segment(jobId)}`;
}

/** The JR's path for a job's output. */
export function chainOutputPath(requestId: string, jobId: string): string {
  return `/api/v1/job-chains/${segment(requestId)}/output/${segment(jobId)}`;
}

const segment = (s: string) => encodeURIComponent(s).replace(/%40/g, '@');

export function outputQueryString(q: OutputQuery): string {
  const params = new URLSearchParams();
  if (q.try !== undefined) params.set('try', String(q.try));
  params.set('stdout', String(q.stdout));
  params.set('stderr', String(q.stderr));
  params.set('max', String(q.max));
  return params.toString();
}

/** Reads a query; throws an Error naming the bad parameter. */
export function parseOutputQuery(params: URLSearchParams): OutputQuery {
  const int = (name: string, min: number, max: number, fallback: number | undefined): number | undefined => {
    const raw = params.get(name);
    if (raw === null || raw === '') return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new Error(
        `query parameter ${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw.slice(0, 40))}`,
      );
    }
    return n;
  };
  const tryN = int('try', 1, 0xffffffff, undefined);
  return {
    ...(tryN === undefined ? {} : { try: tryN }),
    stdout: int('stdout', 0, Number.MAX_SAFE_INTEGER, 0) as number,
    stderr: int('stderr', 0, Number.MAX_SAFE_INTEGER, 0) as number,
    max: int('max', MIN_OUTPUT_MAX, MAX_OUTPUT_MAX, DEFAULT_OUTPUT_MAX) as number,
  };
}

export const encodeJobOutput = (o: JobOutput): string => JSON.stringify(o);

/** Reads an answer; throws on anything that is not one. */
export function decodeJobOutput(v: unknown): JobOutput {
  const o = object(v, 'a job output');
  const count = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  const slice = (x: unknown, name: string): OutputSlice => {
    const s = object(x, name);
    if (!count(s.offset) || !count(s.next) || typeof s.text !== 'string' || !count(s.size) || !count(s.dropped)) {
      throw new Error(`${name}: expected {offset, next, text, size, dropped}`);
    }
    return {
      offset: s.offset as number,
      next: s.next as number,
      text: s.text,
      size: s.size as number,
      dropped: s.dropped as number,
    };
  };
  if (
    typeof o.requestId !== 'string' ||
    typeof o.jobId !== 'string' ||
    !count(o.try) ||
    !count(o.state) ||
    !(o.exit === null || (typeof o.exit === 'number' && Number.isSafeInteger(o.exit))) ||
    typeof o.done !== 'boolean' ||
    typeof o.live !== 'boolean' ||
    typeof o.status !== 'string'
  ) {
    throw new Error('not a job output: expected requestId, jobId, try, state, exit, done, live, status');
  }
  return {
    requestId: o.requestId,
    jobId: o.jobId,
    try: o.try as number,
    state: o.state as State,
    exit: o.exit as number | null,
    done: o.done,
    live: o.live,
    status: o.status,
    stdout: slice(o.stdout, 'stdout'),
    stderr: slice(o.stderr, 'stderr'),
  };
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`expected ${what} (an object)`);
  return v as Record<string, unknown>;
}
