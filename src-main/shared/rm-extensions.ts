// Our Request Manager's additions for re-run and retry (docs/protocol/extensions.md): a
// request's history, the retry of what failed, and the re-run of a request. The 2017 RM has
// none of these paths and answers them 404 `Not Found` (or 405 `Method Not Allowed`); the 2017
// messages are unchanged. Shared by our RM (which answers them), the console and the CLI.
//
//   GET  /api/v1/requests/:id/history  RequestHistory
//   GET  /api/v1/requests/:id/retry    RetryPlan: the jobs a retry would run again
//   POST /api/v1/requests/:id/retry    RetryStarted (body {"User": …}, optional)
//   POST /api/v1/requests/:id/rerun    201 Request, Location (body {"User": …}, optional)

import { WireError, decodeRequest, encodeRequest, type Request, type State, type Time } from './proto';

const base = (id: string) => `/api/v1/requests/${encodeURIComponent(id)}`;
export const historyPath = (id: string) => `${base(id)}/history`;
export const retryPath = (id: string) => `${base(id)}/retry`;
export const rerunPath = (id: string) => `${base(id)}/rerun`;

/** One run of a request's chain: its start, then each retry. */
export interface RequestAttempt {
  /** 1 for the start, then 2, 3, … */
  attempt: number;
  kind: 'start' | 'retry';
  /** Who started it. */
  user: string;
  /** null only for a request that never started (PENDING). */
  startedAt: Time | null;
  finishedAt: Time | null;
  /** RUNNING while it runs, then the state the request ended in. */
  state: State;
  /** The jobs a retry ran again, sorted; [] for the start. */
  jobs: string[];
  /** Each of those jobs -> the highest try it had logged before (its tries in this attempt are above it). */
  triesBefore: Record<string, number>;
}

export interface RequestHistory {
  requestId: string;
  type: string;
  /** The request this one re-ran, or null. */
  rerunOf: string | null;
  /** The requests that re-ran this one, oldest first. */
  reruns: string[];
  /** Oldest first; the last one is the current (or last) run. */
  attempts: RequestAttempt[];
}

/** What a retry would run again (GET …/retry). */
export interface RetryPlan {
  requestId: string;
  /** The jobs that did not complete (failed, timed out, stopped, never started), sorted. */
  jobs: string[];
}

/** A retry that started (POST …/retry). */
export interface RetryStarted {
  request: Request;
  attempt: number;
  jobs: string[];
}

/** The body of POST …/retry and …/rerun: who asks (empty: the RM's default user). */
export interface ActorParams {
  User: string;
}

// ---- encoding ----------------------------------------------------------------------------------

export const encodeRequestHistory = (h: RequestHistory): string => JSON.stringify(h);
export const encodeRetryPlan = (p: RetryPlan): string => JSON.stringify(p);
export const encodeRetryStarted = (s: RetryStarted): string =>
  `{"request":${encodeRequest(s.request)},"attempt":${s.attempt},"jobs":${JSON.stringify(s.jobs)}}`;

// ---- decoding (throws on anything that is not one) ----------------------------------------------

type Obj = Record<string, unknown>;

function object(v: unknown, what: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`not ${what}`);
  return v as Obj;
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Error(`${what}: expected a list of strings`);
  return v as string[];
}

const isTimeOrNull = (v: unknown) => v === null || typeof v === 'string';

function decodeAttempt(v: unknown): RequestAttempt {
  const o = object(v, 'an attempt');
  if (
    typeof o.attempt !== 'number' ||
    (o.kind !== 'start' && o.kind !== 'retry') ||
    typeof o.user !== 'string' ||
    !isTimeOrNull(o.startedAt) ||
    !isTimeOrNull(o.finishedAt) ||
    typeof o.state !== 'number'
  ) {
    throw new Error('not an attempt');
  }
  const before = object(o.triesBefore ?? {}, 'triesBefore');
  if (Object.values(before).some((n) => typeof n !== 'number')) throw new Error('triesBefore: expected numbers');
  return {
    attempt: o.attempt,
    kind: o.kind,
    user: o.user,
    startedAt: o.startedAt as Time | null,
    finishedAt: o.finishedAt as Time | null,
    state: o.state,
    jobs: strings(o.jobs, 'attempt jobs'),
    triesBefore: before as Record<string, number>,
  };
}

export function decodeRequestHistory(v: unknown): RequestHistory {
  const o = object(v, 'a request history');
  if (typeof o.requestId !== 'string' || typeof o.type !== 'string') throw new Error('not a request history');
  if (!(o.rerunOf === null || typeof o.rerunOf === 'string')) throw new Error('rerunOf: expected a string or null');
  if (!Array.isArray(o.attempts)) throw new Error('attempts: expected a list');
  return {
    requestId: o.requestId,
    type: o.type,
    rerunOf: o.rerunOf,
    reruns: strings(o.reruns, 'reruns'),
    attempts: o.attempts.map(decodeAttempt),
  };
}

export function decodeRetryPlan(v: unknown): RetryPlan {
  const o = object(v, 'a retry plan');
  if (typeof o.requestId !== 'string') throw new Error('not a retry plan');
  return { requestId: o.requestId, jobs: strings(o.jobs, 'jobs') };
}

export function decodeRetryStarted(v: unknown): RetryStarted {
  const o = object(v, 'a started retry');
  if (typeof o.attempt !== 'number') throw new Error('not a started retry');
  return {
    request: decodeRequest(o.request, 'RetryStarted.request'),
    attempt: o.attempt,
    jobs: strings(o.jobs, 'jobs'),
  };
}

/** Read as the RM reads its bodies: a key matches ignoring case; a wrong type is a WireError (400). */
export function decodeActorParams(v: unknown): ActorParams {
  if (v === null || v === undefined) return { User: '' };
  if (typeof v !== 'object' || Array.isArray(v)) throw new WireError('ActorParams', 'an object', v);
  const user = Object.entries(v).find(([k]) => k.toLowerCase() === 'user')?.[1] as unknown;
  if (user !== undefined && user !== null && typeof user !== 'string') {
    throw new WireError('ActorParams.User', 'a string', user);
  }
  return { User: user ?? '' };
}
