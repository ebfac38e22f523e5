// What the console keeps and shows, as plain serializable types shared by the console core
// (main process), the contract and the renderer. Wire types (proto.ts) stay as they are; these
// add where a record came from and how old it is.

import {
  STATE_RUNNING,
  STATE_TIMEOUT,
  type JobChain,
  type JsonObject,
  type JsonValue,
  type State,
  type Time,
} from './proto';
import type { JobOutput } from './live-output';
import type { StorageStatus } from './storage-status';
import type { z } from 'zod';
import type * as schemas from './model-schemas';

// The values the contract checks are defined by their zod schemas (model-schemas.ts).
export type Context = z.infer<typeof schemas.context>;
export type ContextAuth = z.infer<typeof schemas.contextAuth>;
export type RequestFilter = z.infer<typeof schemas.requestFilter>;
export type ConsoleSettings = z.infer<typeof schemas.consoleSettings>;
export type SettingsPatch = z.infer<typeof schemas.settingsPatch>;
export type RequestRef = z.infer<typeof schemas.requestRef>;
export type ImportResult = z.infer<typeof schemas.importResult>;

/** The longest request id the console takes, in contract calls and imported files (an RM's are 20 characters). */
export const MAX_REQUEST_ID = 200;

/** Where a cached request came from. */
export type RequestOrigin = 'console' | 'seen' | 'imported';

/** A request as the console keeps it: what its server said (`args` also when created here or imported), and more. */
export interface RequestRecord extends RmRequest {
  context: string;
  watched: boolean;
  origin: RequestOrigin;
  /** When the console last heard about it from its RM (ms since epoch). */
  syncedMs: number;
  /** Why it failed (FAIL or TIMEOUT), once the console has read its failed jobs; else null. */
  failure: FailureSummary | null;
}

/** One failed job of a request, as its last try left it. */
export interface FailedJob {
  jobId: string;
  /** The spec's node name (v2 servers); null or absent where the id is the only name. */
  name?: string | null;
  /** The job's state: FAIL or TIMEOUT. */
  state: State;
  /** Its last try (1..), or 0 when no try of it is known. */
  try: number;
  /** That try's state (TIMEOUT when it timed out), or null when no try is known. */
  tryState: State | null;
  /** That try's exit code, or null when no try is known. */
  exit: number | null;
  /** Where `lines` come from: the try's stderr, else its error field, else its stdout. */
  source: 'stderr' | 'error' | 'stdout' | null;
  /** The last non-empty lines of that source (ANSI escapes removed, long lines cut), oldest first. */
  lines: string[];
}

/** Why a request failed: its failed jobs (the first few, by job id) and how many there were. */
export interface FailureSummary {
  jobs: FailedJob[];
  /** Every failed job, including those not in `jobs`. */
  count: number;
  /** A failed job timed out (the request itself ends FAIL). */
  timedOut: boolean;
}

/** One try of one job, as cached. Times are Unix ms (exact ns are kept as strings). */
export interface JobLogRecord {
  requestId: string;
  jobId: string;
  try: number;
  type: string;
  /** Unix nanoseconds, as a decimal string (exact). "0" when the job never ran. */
  startedAt: string;
  finishedAt: string;
  state: State;
  exit: number;
  error: string;
  stdout: string;
  stderr: string;
}

/** One try without its texts: how long each stream is (UTF-8 bytes), for lists and counts. */
export type JobLogSummary = Omit<JobLogRecord, 'stdout' | 'stderr'> & { stdoutBytes: number; stderrBytes: number };

/** A slice of one stream of one try (offsets and lengths in characters, as SQLite counts them). */
export interface JobLogText {
  text: string;
  /** the stream's whole length in characters */
  total: number;
  /**
   * The try's log is not cached: this is its output as far as it was followed (live output),
   * and `total` grows as more comes; once the log is cached the same offsets read on from it.
   */
  live?: true;
}

/**
 * A running try's output as the console follows it (live output, docs/console.md): where it
 * stands (as the RM's live-output answer says: shared/live-output.ts), and how much text there
 * is to read (jobLogText).
 */
export interface LiveOutputState extends Pick<
  JobOutput,
  'requestId' | 'jobId' | 'try' | 'state' | 'exit' | 'done' | 'status'
> {
  context: string;
  /**
   * 'live': the output comes as the job prints it. 'status-only': the Request Manager (an
   * original, without the endpoint) or its job runner does not serve it: only the status text
   * tells what the job does, and the output arrives with the job log when the try ends.
   */
  source: 'live' | 'status-only';
  /** Characters of each stream read so far. */
  stdoutChars: number;
  stderrChars: number;
  /** Bytes the job printed past the output cap and that were not kept. */
  stdoutDropped: number;
  stderrDropped: number;
  /** When the Request Manager last answered for this try (ms since epoch); 0 never. */
  seenMs: number;
  /** Why the last read failed (the Request Manager is unreachable…), else null. */
  error: string | null;
}

/** A followed try's state before any answer (pending, or the RM does not serve live output). */
export function liveStateWithout(
  context: string,
  requestId: string,
  jobId: string,
  fields: Partial<LiveOutputState>,
): LiveOutputState {
  return {
    context,
    requestId,
    jobId,
    try: 0,
    state: STATE_RUNNING,
    exit: null,
    done: false,
    source: 'live',
    status: '',
    stdoutChars: 0,
    stderrChars: 0,
    stdoutDropped: 0,
    stderrDropped: 0,
    seenMs: 0,
    error: null,
    ...fields,
  };
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
}

export interface LogSearchHit {
  context: string;
  requestId: string;
  requestType: string;
  jobId: string;
  /** The spec's node name (v2), from the cached chain; null where the id is the only name. */
  jobName: string | null;
  try: number;
  stream: 'stdout' | 'stderr' | 'error';
  /** the matching line, with the match marked by \u0001 ... \u0002 */
  snippet: string;
}

/** A job of a chain as the renderer sees it (the serialized job bytes stay in main). */
export interface ChainJob {
  id: string;
  /** The spec's node name (v2 servers); null where the id is the only name (2017: `name@n`). */
  name: string | null;
  type: string;
  retry: number;
  /** milliseconds between tries */
  retryWait: number;
  /** The args the job was created with, when the RM recorded them. */
  args: JsonObject | null;
}

/** A job chain, serializable over any transport. */
export interface ChainView {
  requestId: string;
  /** sorted by job id */
  jobs: ChainJob[];
  /** job id -> the ids of the jobs that wait for it */
  adjacencyList: Record<string, string[]>;
}

export function chainView(chain: JobChain): ChainView {
  return {
    requestId: chain.requestId,
    jobs: Object.values(chain.jobs)
      .map((j) => ({ id: j.id, name: null, type: j.type, retry: j.retry, retryWait: j.retryWait, args: j.args }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    adjacencyList: chain.adjacencyList,
  };
}

/** A job's current state as the console keeps it, whatever protocol its server speaks. */
export interface JobStatusRecord {
  requestId: string;
  jobId: string;
  /** The spec's node name (v2); null where the id is the only name (2017: `name@n`). */
  name: string | null;
  state: State;
  /** Live text of a running job; '' otherwise. */
  status: string;
  /** The try it is on or made last (v2 servers tell it), else null. */
  try: number | null;
  /** Seconds it has been running (jobStatuses(): as of now, for a running job whose start is known), else 0. */
  runtime: number;
}

export interface RequestDetail {
  request: RequestRecord;
  chain: ChainView | null;
  statuses: JobStatusRecord[];
  /**
   * When each RUNNING job was marked running (ms since epoch, console main's clock), by job id,
   * as the RM's running list last told it (its runtime then, counted back from when it was
   * read). A request's own statuses carry runtime 0 in the 2017 protocol; only the running list
   * has runtimes. A running job missing here has not been seen in the running list yet.
   */
  runningSince: Record<string, number>;
}

/** Whether a context's RM answers. While offline everything is read from the cache. */
export interface ContextStatus {
  context: string;
  online: boolean;
  /** Last successful exchange with the RM (ms since epoch), null if never. */
  lastOkMs: number | null;
  /** Why it is offline. */
  error: string | null;
  /**
   * Offline because the server refused the console's credentials (a missing, wrong or expired
   * token: 401 or 403), or they cannot be read: the context's credentials need setting.
   */
  refused: boolean;
  /** What its server speaks, as last found out (kept while offline); null before it ever answered. */
  server: ServerInfo | null;
  /**
   * What the RM said about its database at the last sync (GET /api/v1/status/storage), e.g.
   * that its disk is full; null when it does not say (offline, or an original RM).
   */
  storage: StorageStatus | null;
}

/** Whether a Request Manager URL answers like one (asked once, when a context is saved). */
export interface ContextProbe {
  answers: boolean;
  /** How many request types it offers, when it answers. */
  requestTypes: number | null;
  /** Why it does not answer (or not as a Request Manager). */
  error: string | null;
  /** What it speaks, when it answers. */
  server: ServerInfo | null;
}

/**
 * A page of the requests list: from the server (ours and v2 servers list their whole history,
 * filtered there; each row is cached as it is shown) or from the cache (what this console
 * knows), with why when the server was not asked or could not answer.
 */
export interface RequestPage extends Page<RequestRecord> {
  source: 'server' | 'cache';
  /** Why the page comes from the cache although the context has a server; null when it needs no word. */
  note: string | null;
}

/** A watched request changed state (one per change). */
export interface RequestNotification {
  context: string;
  requestId: string;
  type: string;
  from: State;
  to: State;
  /** Jobs that ended FAIL or TIMEOUT, when the request failed. */
  failedJobs: string[];
  title: string;
  body: string;
}

/** What the tray icon and menu show. */
export interface TrayModel {
  running: number;
  /** Watched requests that failed in the last 24 hours. */
  failed: number;
  /** Most recent watched requests, newest first. */
  recent: Array<Pick<RequestRecord, 'context' | 'id' | 'type' | 'state' | 'createdAt'>>;
}

/** Parts of a request the console just refreshed in the cache. */
export type RequestPart = 'request' | 'chain' | 'statuses' | 'logs';

export interface RequestUpdated {
  context: string;
  requestId: string;
  parts: RequestPart[];
}

export interface RequestsChanged {
  context: string;
  requests: RequestRecord[];
}

// ---- what a Request Manager says, whatever protocol it speaks --------------------------------
// One adapter per protocol generation (console/client/) maps its server's wire onto these; the
// cache, sync, renderer and CLI read only these.

/**
 * The console's state vocabulary, for requests, jobs and tries. 0–6 are the 2017 protocol's
 * values, so what a 2017 server says (and every cache written before v2 servers were known) is
 * kept as it came. SUSPENDED and RESERVED are v2's words (its 7 and 5): TIMEOUT is only ever what
 * a 2017 server said, never a v2 5.
 */
export const RequestState = {
  UNKNOWN: 0,
  PENDING: 1,
  RUNNING: 2,
  COMPLETE: 3,
  FAIL: 4,
  TIMEOUT: 5,
  STOPPED: 6,
  /** v2: the JR handed the chain back at shutdown; not finished, waiting to be resumed. */
  SUSPENDED: 7,
  /** v2's 5, which upstream reserves and never sends. */
  RESERVED: 8,
} as const;

export type RequestStateName = keyof typeof RequestState;

const STATE_LABELS: Readonly<Record<number, RequestStateName>> = Object.fromEntries(
  Object.entries(RequestState).map(([name, value]) => [value, name as RequestStateName]),
);

/** A state's name (`SUSPENDED`), or `STATE(<n>)` for a value the console does not name. */
export function stateLabel(state: number): string {
  return STATE_LABELS[state] ?? `STATE(${state})`;
}

/** A state by its name (`COMPLETE`, case-insensitive), or undefined. */
export function stateByName(name: string): number | undefined {
  return RequestState[name.toUpperCase() as RequestStateName];
}

/** States a request ends in: nothing more happens to it. */
export const FINAL_STATES: ReadonlySet<number> = new Set([
  RequestState.COMPLETE,
  RequestState.FAIL,
  RequestState.TIMEOUT,
  RequestState.STOPPED,
]);

/** States of a request still to end (a suspended one waits to be resumed). */
export const UNFINISHED_STATES: ReadonlySet<number> = new Set([
  RequestState.PENDING,
  RequestState.RUNNING,
  RequestState.SUSPENDED,
]);

/** Which protocol a context's server speaks. */
export type Generation = '2017' | 'v2';

/** What the console found out about a context's server (when it was added, and on reconnect). */
export interface ServerInfo {
  generation: Generation;
  /** Its version (`GET /version`); null for 2017-protocol servers, which have none. */
  version: string | null;
  /** It lists its requests (`GET /api/v1/requests`): v2 servers and ours; not the 2017 original. */
  canFind: boolean;
}

/** A request as its Request Manager tells it. */
export interface RmRequest {
  id: string;
  type: string;
  state: number;
  user: string;
  createdAt: Time;
  startedAt: Time | null;
  finishedAt: Time | null;
  totalJobs: number;
  finishedJobs: number;
  /** The args a caller sets (required and optional, final values), when the server tells them. */
  args: JsonObject | null;
}

/** The fields every protocol's request has. */
export type RequestFields = Omit<RmRequest, 'args'>;

/** Those fields alone, out of a request of any shape (a wire request, a record). */
export function requestFields(r: RequestFields): RequestFields {
  return {
    id: r.id,
    type: r.type,
    state: r.state,
    user: r.user,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    totalJobs: r.totalJobs,
    finishedJobs: r.finishedJobs,
  };
}

/** One job's current state (a request's job statuses, or a running job). */
export interface RmJobStatus {
  requestId: string;
  jobId: string;
  /** The spec's node name (v2); null where the id is the only name (2017: `name@n`). */
  name: string | null;
  state: number;
  /** Live text of a running job; '' otherwise. */
  status: string;
  /** The try it is on (v2), null when the server does not say. */
  try: number | null;
  /** When its current try started (ms since epoch), null when the server does not say. */
  startedMs: number | null;
}

/** One try of one job. */
export interface RmJobLog {
  requestId: string;
  jobId: string;
  /** The spec's node name (v2); null for 2017 servers. */
  name: string | null;
  /** 1.. for real tries; 0 for a 2017 server's entry saying the job never ran. */
  try: number;
  type: string;
  /** Unix nanoseconds, exact; 0n if the job never ran. */
  startedAt: bigint;
  finishedAt: bigint;
  state: number;
  exit: number;
  error: string;
  stdout: string;
  stderr: string;
}

/** The running list: unfinished requests and their running jobs (with when they started). */
export interface RmRunning {
  requests: RmRequest[];
  jobs: RmJobStatus[];
}

/** How a request type's arg is set: by the caller (required, optional) or by the spec (static). */
export type ArgKind = 'required' | 'optional' | 'static';

export interface RequestTypeArg {
  name: string;
  desc: string;
  kind: ArgKind;
  /** The value used when none is given; any JSON on v2 servers, text on 2017 ones; null if none. */
  default: JsonValue | null;
}

/** A request type a server can start, with the args a caller sets. */
export interface RequestType {
  name: string;
  args: RequestTypeArg[];
  /**
   * Why the server would refuse this caller starting one (its roles and the type's acl, in the
   * server's words); absent when it may, or when the server does not say (the original, v2).
   */
  startRefused?: string;
}

/** A page of a server's requests, newest first. */
export interface FoundRequests {
  requests: RmRequest[];
  /** How many match in all, when the server says (ours does; v2 does not). */
  total: number | null;
}

/** A search of a server's requests (v2's `GET /api/v1/requests`). Newest first. */
export interface FindQuery {
  type?: string;
  /** Any of these states. */
  states?: number[];
  user?: string;
  /** Arg values that must all match: [name, value]. */
  args?: Array<[string, string]>;
  /** Finished after it, or not finished (RFC 3339). */
  since?: Time;
  /** Created before it (RFC 3339). */
  until?: Time;
  limit?: number;
  offset?: number;
}

/**
 * One failed job in a line: `check-disk@3 · exit 3 · error: /data is 100% full…` (a try that
 * timed out reads `timed out` instead of its exit code, which is the kill's).
 */
export function failedJobLine(job: FailedJob): string {
  const parts = [job.name ? `${job.name} · ${job.jobId}` : job.jobId];
  if (job.tryState === STATE_TIMEOUT || (job.exit === null && job.state === STATE_TIMEOUT)) parts.push('timed out');
  else if (job.exit !== null) parts.push(`exit ${job.exit}`);
  const last = job.lines.at(-1);
  if (last) parts.push(last.trim());
  return parts.join(' · ');
}

/** A failure in one line: its first failed job, and how many more failed. */
export function failureLine(failure: FailureSummary): string {
  const [first] = failure.jobs;
  if (!first) return 'no job failed';
  const more = failure.count - 1;
  return `${failedJobLine(first)}${more > 0 ? ` (+${more} more failed job${more === 1 ? '' : 's'})` : ''}`;
}
