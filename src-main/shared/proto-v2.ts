// Today's upstream Spin Cycle (v2.1.1, f479909) on the wire: its messages under their own
// names, decoders for its JSON and encoders that write it back as Go does
// (docs/protocol/v2.md §3-4). Same representation choices as proto.ts: times stay the RFC 3339
// strings they were (up to 9 fraction digits), int64 nanoseconds are exact bigints, []byte is a
// Uint8Array, durations stay the Go duration text they were (`"500ms"`; parseGoDuration reads
// one). Decoding follows Go: keys match case-insensitively, unknown keys are ignored, a missing
// key or null leaves the zero value, a value of the wrong type is a WireError naming the field.
//
// Only the console's v2 adapter reads these; our RM writes one of them (RequestArg, the
// additive `args` key of its requests).

import {
  Fields,
  WireError,
  decodeCreateRequestParams,
  decodeJobLog,
  decodeList,
  jobLogFields,
  stringList,
  type CreateRequestParams,
  type JsonObject,
  type JsonValue,
  type State,
  type Time,
} from './proto';
import { goAny, goBytes, goMap, goNumber, goSlice, goString, goStruct } from './wire-json';

// ---- states -----------------------------------------------------------------------------------

/** v2's state bytes: 0–4 and 6 as in 2017; 5 is RESERVED (never sent), 7 is new. */
export const V2_STATE = {
  UNKNOWN: 0,
  PENDING: 1,
  RUNNING: 2,
  COMPLETE: 3,
  FAIL: 4,
  RESERVED: 5,
  STOPPED: 6,
  SUSPENDED: 7,
} as const;

/** v2's names by byte (what `GET /api/v1/requests?state=NAME` accepts). */
export const V2_STATE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(V2_STATE).map(([name, value]) => [value, name]),
);

// ---- messages ---------------------------------------------------------------------------------

export interface V2Job {
  id: string;
  /** The spec's node name (not unique: every iteration of an `each` repeats it). */
  name: string;
  type: string;
  bytes: Uint8Array | null;
  /** Stays 1 in every stored chain: the RM never updates it. */
  state: State;
  args: JsonObject | null;
  data: JsonObject | null;
  retry: number;
  /** Go duration text (`"500ms"`), '' when there is none. */
  retryWait: string;
  sequenceId: string;
  sequenceRetry: number;
  /** Go duration text, set on a sequence's first job (`"0s"`), else ''. */
  sequenceRetryWait: string;
}

export interface V2JobChain {
  requestId: string;
  jobs: Record<string, V2Job>;
  adjacencyList: Record<string, string[]>;
  state: State;
  finishedJobs: number;
}

/** A request type's arg (request list: Value null) or a request's arg with its final value. */
export interface V2RequestArg {
  /** Position within its group (required, optional or static). */
  Pos: number;
  Name: string;
  Desc: string;
  /** "required", "optional" or "static". */
  Type: string;
  /** The caller gave a value. */
  Given: boolean;
  Default: JsonValue | null;
  Value: JsonValue | null;
}

export interface V2Request {
  id: string;
  type: string;
  state: State;
  user: string;
  /** Every arg with its final value; null where the RM leaves them out (lists, running status). */
  args: V2RequestArg[] | null;
  createdAt: Time;
  startedAt: Time | null;
  finishedAt: Time | null;
  /** Key `JobChain`; `GET /requests/:id` includes it (job states stay 1). */
  jobChain?: V2JobChain;
  totalJobs: number;
  finishedJobs: number;
  /** The JR running the chain, '' when none. */
  jrURL: string;
}

export interface V2RequestSpec {
  Name: string;
  Args: V2RequestArg[] | null;
}

export interface V2JobLog {
  requestId: string;
  jobId: string;
  /** Counts up across retries of the job's sequence too. */
  try: number;
  name: string;
  type: string;
  /** Unix nanoseconds, exact. */
  startedAt: bigint;
  finishedAt: bigint;
  state: State;
  exit: number;
  error: string;
  stdout: string;
  stderr: string;
}

/** A running job (running status): `startedAt` takes the place of 2017's runtime and n. */
export interface V2JobStatus {
  requestId: string;
  jobId: string;
  type: string;
  name: string;
  /** When the current try started, Unix nanoseconds. */
  startedAt: bigint;
  state: State;
  status: string;
  try: number;
}

/** RM `GET /api/v1/status/running`: both keys always present, null when empty. */
export interface V2RunningStatus {
  jobs: V2JobStatus[] | null;
  requests: Record<string, V2Request> | null;
}

/** JR -> RM `PUT /requests/:id/finish`. */
export interface V2FinishRequest {
  requestId: string;
  state: State;
  finishedAt: Time | null;
  finishedJobs: number;
}

/** JR -> RM `PUT /requests/:id/progress`. */
export interface V2RequestProgress {
  requestId: string;
  finishedJobs: number;
}

/** JR -> RM `PUT /requests/:id/suspend`, RM -> JR `POST /job-chains/resume`. */
export interface V2SuspendedJobChain {
  requestId: string;
  jobChain: V2JobChain | null;
  totalJobTries: Record<string, number>;
  latestRunJobTries: Record<string, number>;
  sequenceTries: Record<string, number>;
}

/** An error body: the RM's handlers write all three keys, the framework and the JR only `message`. */
export interface V2Error {
  message: string;
  requestId?: string;
  httpStatus?: number;
}

// ---- durations --------------------------------------------------------------------------------

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const DURATION = /^[-+]?(?:0|(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Milliseconds of a Go duration text (`"1m30s"`, `"500ms"`, `"0s"`); null if it is not one. */
export function parseGoDuration(text: string): number | null {
  if (!DURATION.test(text)) return null;
  let ms = 0;
  for (const m of text.matchAll(DURATION_PART)) ms += Number(m[1]) * (DURATION_UNITS_MS[m[2] as string] as number);
  return text.startsWith('-') ? -ms : ms;
}

// ---- decoding ---------------------------------------------------------------------------------

/** `Default`/`Value`: any JSON value, numbers finite. */
function anyJson(f: Fields, key: string): JsonValue | null {
  const v = f.raw(key);
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && !Number.isFinite(v)) throw new WireError(f.at(key), 'a finite number', v);
  return v as JsonValue;
}

function duration(f: Fields, key: string): string {
  const text = f.string(key);
  if (text !== '' && parseGoDuration(text) === null) throw new WireError(f.at(key), 'a Go duration ("500ms")', text);
  return text;
}

export function decodeV2Job(v: unknown, path = 'Job'): V2Job {
  const f = new Fields(v, path);
  return {
    id: f.string('id'),
    name: f.string('name'),
    type: f.string('type'),
    bytes: f.bytes('bytes'),
    state: f.state('state'),
    args: f.object('args'),
    data: f.object('data'),
    retry: f.uint('retry'),
    retryWait: duration(f, 'retryWait'),
    sequenceId: f.string('sequenceId'),
    sequenceRetry: f.uint('sequenceRetry'),
    sequenceRetryWait: duration(f, 'sequenceRetryWait'),
  };
}

export function decodeV2JobChain(v: unknown, path = 'JobChain'): V2JobChain {
  const f = new Fields(v, path);
  return {
    requestId: f.string('requestId'),
    jobs: f.record('jobs', decodeV2Job),
    adjacencyList: f.record('adjacencyList', stringList),
    state: f.state('state'),
    finishedJobs: f.uint('finishedJobs'),
  };
}

export function decodeV2RequestArg(v: unknown, path = 'RequestArg'): V2RequestArg {
  const f = new Fields(v, path);
  return {
    Pos: f.uint('Pos'),
    Name: f.string('Name'),
    Desc: f.string('Desc'),
    Type: f.string('Type'),
    Given: f.bool('Given'),
    Default: anyJson(f, 'Default'),
    Value: anyJson(f, 'Value'),
  };
}

export function decodeV2Request(v: unknown, path = 'Request'): V2Request {
  const f = new Fields(v, path);
  const chain = f.raw('JobChain');
  return {
    id: f.string('id'),
    type: f.string('type'),
    state: f.state('state'),
    user: f.string('user'),
    args: f.list('args', decodeV2RequestArg),
    createdAt: f.time('createdAt'),
    startedAt: f.timeOrNull('startedAt'),
    finishedAt: f.timeOrNull('finishedAt'),
    ...(chain == null ? {} : { jobChain: decodeV2JobChain(chain, f.at('JobChain')) }),
    totalJobs: f.uint('totalJobs'),
    finishedJobs: f.uint('finishedJobs'),
    jrURL: f.string('jrURL'),
  };
}

/** `GET /api/v1/requests`: `null` when nothing matches. */
export function decodeV2Requests(v: unknown): V2Request[] {
  return decodeList(v, '[]Request', decodeV2Request) ?? [];
}

export function decodeV2RequestSpec(v: unknown, path = 'RequestSpec'): V2RequestSpec {
  const f = new Fields(v, path);
  return { Name: f.string('Name'), Args: f.list('Args', decodeV2RequestArg) };
}

export function decodeV2RequestSpecs(v: unknown): V2RequestSpec[] {
  return decodeList(v, '[]RequestSpec', decodeV2RequestSpec) ?? [];
}

/** 2017's JobLog and its `name`. */
export function decodeV2JobLog(v: unknown, path = 'JobLog'): V2JobLog {
  return { ...decodeJobLog(v, path), name: new Fields(v, path).string('name') };
}

export function decodeV2JobLogs(v: unknown): V2JobLog[] {
  return decodeList(v, '[]JobLog', decodeV2JobLog) ?? [];
}

export function decodeV2JobStatus(v: unknown, path = 'JobStatus'): V2JobStatus {
  const f = new Fields(v, path);
  return {
    requestId: f.string('requestId'),
    jobId: f.string('jobId'),
    type: f.string('type'),
    name: f.string('name'),
    startedAt: f.nanos('startedAt'),
    state: f.state('state'),
    status: f.string('status'),
    try: f.uint('try'),
  };
}

/** The JR's running list (`[]JobStatus`, null when idle). */
export function decodeV2JobStatusList(v: unknown): V2JobStatus[] {
  return decodeList(v, '[]JobStatus', decodeV2JobStatus) ?? [];
}

export function decodeV2RunningStatus(v: unknown, path = 'RunningStatus'): V2RunningStatus {
  const f = new Fields(v, path);
  return {
    jobs: f.list('jobs', decodeV2JobStatus),
    requests: f.object('requests') === null ? null : f.record('requests', decodeV2Request),
  };
}

/** The create body is still 2017's untagged CreateRequestParams (`Type`, `Args`, `User`). */
export const decodeV2CreateRequest: (v: unknown) => CreateRequestParams = decodeCreateRequestParams;

export function decodeV2FinishRequest(v: unknown, path = 'FinishRequest'): V2FinishRequest {
  const f = new Fields(v, path);
  return {
    requestId: f.string('requestId'),
    state: f.state('state'),
    finishedAt: f.timeOrNull('finishedAt'),
    finishedJobs: f.uint('finishedJobs'),
  };
}

export function decodeV2RequestProgress(v: unknown, path = 'RequestProgress'): V2RequestProgress {
  const f = new Fields(v, path);
  return { requestId: f.string('requestId'), finishedJobs: f.uint('finishedJobs') };
}

const uintRecord = (f: Fields, key: string) =>
  f.record(key, (v, p) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new WireError(p, 'a count', v);
    return v;
  });

export function decodeV2SuspendedJobChain(v: unknown, path = 'SuspendedJobChain'): V2SuspendedJobChain {
  const f = new Fields(v, path);
  const chain = f.raw('jobChain');
  return {
    requestId: f.string('requestId'),
    jobChain: chain == null ? null : decodeV2JobChain(chain, f.at('jobChain')),
    totalJobTries: uintRecord(f, 'totalJobTries'),
    latestRunJobTries: uintRecord(f, 'latestRunJobTries'),
    sequenceTries: uintRecord(f, 'sequenceTries'),
  };
}

/** Either error shape; the keys the body had, and only those. */
export function decodeV2Error(v: unknown, path = 'Error'): V2Error {
  const f = new Fields(v, path);
  const out: V2Error = { message: f.string('message') };
  if (f.raw('requestId') !== undefined) out.requestId = f.string('requestId');
  if (f.raw('httpStatus') !== undefined) out.httpStatus = f.int('httpStatus', 0, 999);
  return out;
}

// ---- encoding (Go's json.Encoder: struct order, omitempty where v2 has it) --------------------

type Field = readonly [string, string];
const when = (cond: boolean, field: Field): Field[] => (cond ? [field] : []);
const goTimeOrNull = (t: Time | null): string => (t === null ? 'null' : goString(t));
const isEmpty = (o: object | null) => o === null || Object.keys(o).length === 0;

export function encodeV2Job(j: V2Job): string {
  return goStruct([
    ['id', goString(j.id)],
    ['name', goString(j.name)],
    ['type', goString(j.type)],
    ...when(j.bytes !== null && j.bytes.length > 0, ['bytes', goBytes(j.bytes)]),
    ['state', goNumber(j.state)],
    ...when(!isEmpty(j.args), ['args', goAny(j.args)]),
    ...when(!isEmpty(j.data), ['data', goAny(j.data)]),
    ['retry', goNumber(j.retry)],
    ...when(j.retryWait !== '', ['retryWait', goString(j.retryWait)]),
    ['sequenceId', goString(j.sequenceId)],
    ['sequenceRetry', goNumber(j.sequenceRetry)],
    ...when(j.sequenceRetryWait !== '', ['sequenceRetryWait', goString(j.sequenceRetryWait)]),
  ]);
}

export function encodeV2JobChain(c: V2JobChain): string {
  return goStruct([
    ['requestId', goString(c.requestId)],
    ['jobs', goMap(c.jobs, encodeV2Job)],
    ['adjacencyList', goMap(c.adjacencyList, (ids) => goSlice(ids, goString))],
    ['state', goNumber(c.state)],
    ['finishedJobs', goNumber(c.finishedJobs)],
  ]);
}

export function encodeV2RequestArg(a: V2RequestArg): string {
  return goStruct([
    ['Pos', goNumber(a.Pos)],
    ['Name', goString(a.Name)],
    ['Desc', goString(a.Desc)],
    ['Type', goString(a.Type)],
    ['Given', a.Given ? 'true' : 'false'],
    ['Default', goAny(a.Default)],
    ['Value', goAny(a.Value)],
  ]);
}

export function encodeV2Request(r: V2Request): string {
  return goStruct([
    ['id', goString(r.id)],
    ['type', goString(r.type)],
    ['state', goNumber(r.state)],
    ['user', goString(r.user)],
    ...when(r.args !== null && r.args.length > 0, ['args', goSlice(r.args, encodeV2RequestArg)]),
    ['createdAt', goString(r.createdAt)],
    ['startedAt', goTimeOrNull(r.startedAt)],
    ['finishedAt', goTimeOrNull(r.finishedAt)],
    ...when(r.jobChain !== undefined, ['JobChain', r.jobChain ? encodeV2JobChain(r.jobChain) : 'null']),
    ['totalJobs', goNumber(r.totalJobs)],
    ['finishedJobs', goNumber(r.finishedJobs)],
    ...when(r.jrURL !== '', ['jrURL', goString(r.jrURL)]),
  ]);
}

/** A find's answer: `null` when nothing matched, as upstream writes it. */
export function encodeV2Requests(list: readonly V2Request[] | null): string {
  return goSlice(list?.length ? list : null, encodeV2Request);
}

export function encodeV2RequestSpec(s: V2RequestSpec): string {
  return goStruct([
    ['Name', goString(s.Name)],
    ['Args', goSlice(s.Args, encodeV2RequestArg)],
  ]);
}

export function encodeV2RequestSpecs(specs: readonly V2RequestSpec[]): string {
  return goSlice(specs, encodeV2RequestSpec);
}

export function encodeV2JobLog(l: V2JobLog): string {
  const fields = jobLogFields(l);
  const after = fields.findIndex(([key]) => key === 'try') + 1;
  return goStruct([...fields.slice(0, after), ['name', goString(l.name)], ...fields.slice(after)]);
}

export function encodeV2JobLogs(logs: readonly V2JobLog[] | null): string {
  return goSlice(logs, encodeV2JobLog);
}

export function encodeV2JobStatus(s: V2JobStatus): string {
  return goStruct([
    ['requestId', goString(s.requestId)],
    ['jobId', goString(s.jobId)],
    ['type', goString(s.type)],
    ['name', goString(s.name)],
    ['startedAt', goNumber(s.startedAt)],
    ['state', goNumber(s.state)],
    ...when(s.status !== '', ['status', goString(s.status)]),
    ['try', goNumber(s.try)],
  ]);
}

export function encodeV2JobStatusList(list: readonly V2JobStatus[] | null): string {
  return goSlice(list, encodeV2JobStatus);
}

export function encodeV2RunningStatus(s: V2RunningStatus): string {
  return goStruct([
    ['jobs', goSlice(s.jobs, encodeV2JobStatus)],
    ['requests', s.requests === null ? 'null' : goMap(s.requests, encodeV2Request)],
  ]);
}

export function encodeV2FinishRequest(f: V2FinishRequest): string {
  return goStruct([
    ['requestId', goString(f.requestId)],
    ['state', goNumber(f.state)],
    ['finishedAt', goTimeOrNull(f.finishedAt)],
    ['finishedJobs', goNumber(f.finishedJobs)],
  ]);
}

export function encodeV2RequestProgress(p: V2RequestProgress): string {
  return goStruct([
    ['requestId', goString(p.requestId)],
    ['finishedJobs', goNumber(p.finishedJobs)],
  ]);
}

export function encodeV2SuspendedJobChain(s: V2SuspendedJobChain): string {
  return goStruct([
    ['requestId', goString(s.requestId)],
    ['jobChain', s.jobChain === null ? 'null' : encodeV2JobChain(s.jobChain)],
    ['totalJobTries', goMap(s.totalJobTries, goNumber)],
    ['latestRunJobTries', goMap(s.latestRunJobTries, goNumber)],
    ['sequenceTries', goMap(s.sequenceTries, goNumber)],
  ]);
}

export function encodeV2Error(e: V2Error): string {
  return goStruct([
    ['message', goString(e.message)],
    ...when(e.requestId !== undefined, ['requestId', goString(e.requestId ?? '')]),
    ...when(e.httpStatus !== undefined, ['httpStatus', goNumber(e.httpStatus ?? 0)]),
  ]);
}

// ---- times ------------------------------------------------------------------------------------

const RFC3339_NANO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Unix nanoseconds of an RFC 3339 time with up to 9 fraction digits (Go's RFC3339Nano), exact;
 * null if it is not one. v2 compares times at this precision (`since`, `until`).
 */
export function timeToNanos(time: string): bigint | null {
  const m = RFC3339_NANO.exec(time);
  if (!m) return null;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return null;
  return BigInt(seconds) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Unix nanoseconds as RFC 3339 in UTC with all 9 fraction digits (Go's RFC3339Nano, untrimmed). */
export function nanosToTime(ns: bigint): string {
  const ms = ns / 1_000_000n - (ns < 0n && ns % 1_000_000n !== 0n ? 1n : 0n);
  const rest = ns - ms * 1_000_000n;
  const base = new Date(Number(ms)).toISOString(); // …:SS.mmmZ
  return `${base.slice(0, -1)}${rest.toString().padStart(6, '0')}Z`;
}
