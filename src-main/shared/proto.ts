// The seed's `proto` package (Spin Cycle @ bca299b, proto/const.go and proto/s2s.go) under its
// own names, plus decoders and encoders for its exact JSON (docs/protocol/wire.md §1-3).
//
// Representation choices, kept lossless so that decode then encode gives the same bytes:
// - times (Go time.Time) stay the RFC 3339 strings they were on the wire (`Time`); the engine
//   makes new ones with formatTime(); timeToMillis() reads one;
// - []byte is a Uint8Array (base64 on the wire), nil is null;
// - JobLog.startedAt/finishedAt are Unix nanoseconds as bigint (see wire-json.ts);
// - map[string]interface{} is a plain object (JsonObject) or null.
// Decoding follows Go: keys match case-insensitively, unknown keys are ignored, a missing key or
// null leaves the zero value; a value of the wrong type is rejected with a WireError naming the
// field (`JobLog.exit: expected an integer, got "x"`).

import {
  base64ToBytes,
  goAny,
  goBytes,
  goMap,
  goNumber,
  goSlice,
  goString,
  goStruct,
  parseWire,
  type JsonObject,
} from './wire-json';

export { parseWire, WireSyntaxError, type JsonObject, type JsonValue } from './wire-json';

// ---- states (proto/const.go) ------------------------------------------------------------------

export const STATE_UNKNOWN = 0;
export const STATE_PENDING = 1;
export const STATE_RUNNING = 2;
export const STATE_COMPLETE = 3;
export const STATE_FAIL = 4;
export const STATE_TIMEOUT = 5;
export const STATE_STOPPED = 6;

/** A state byte (0..255); the named ones are the STATE_* constants. */
export type State = number;

export const StateName: Readonly<Record<number, string>> = {
  [STATE_UNKNOWN]: 'UNKNOWN',
  [STATE_PENDING]: 'PENDING',
  [STATE_RUNNING]: 'RUNNING',
  [STATE_COMPLETE]: 'COMPLETE',
  [STATE_FAIL]: 'FAIL',
  [STATE_TIMEOUT]: 'TIMEOUT',
  [STATE_STOPPED]: 'STOPPED',
};

export const StateValue: Readonly<Record<string, State>> = Object.fromEntries(
  Object.entries(StateName).map(([value, name]) => [name, Number(value)]),
);

/** A state's name, or `STATE(<n>)` for a byte the seed does not name. */
export function stateName(state: State): string {
  return StateName[state] ?? `STATE(${state})`;
}

// ---- messages (proto/s2s.go) ------------------------------------------------------------------

/** RFC 3339 time exactly as on the wire, e.g. "2017-08-29T14:03:11.52718Z". */
export type Time = string;

export interface Job {
  id: string;
  type: string;
  bytes: Uint8Array | null;
  state: State;
  args: JsonObject | null;
  data: JsonObject | null;
  retry: number;
  /** Milliseconds between tries. */
  retryWait: number;
}

export interface JobChain {
  requestId: string;
  jobs: Record<string, Job>;
  adjacencyList: Record<string, string[]>;
  state: State;
}

export interface Request {
  id: string;
  type: string;
  state: State;
  user: string;
  createdAt: Time;
  startedAt: Time | null;
  finishedAt: Time | null;
  /** Key `JobChain` on the wire, omitted when absent (no RM endpoint sends it). */
  jobChain?: JobChain;
  totalJobs: number;
  finishedJobs: number;
}

export interface RequestArg {
  Name: string;
  Desc: string;
  Required: boolean;
  Default: string;
}

export interface RequestSpec {
  Name: string;
  Args: RequestArg[] | null;
}

export interface JobLog {
  requestId: string;
  jobId: string;
  /** 1.. for real tries; 0 for a synthetic entry (the job never ran). */
  try: number;
  type: string;
  /** Unix nanoseconds; 0n if the job never ran. */
  startedAt: bigint;
  finishedAt: bigint;
  state: State;
  exit: number;
  error: string;
  stdout: string;
  stderr: string;
  /**
   * Our extension (docs/protocol/extensions.md): the job data a COMPLETE try left, which our JR
   * sends with R8 so that a retry can give it to the job's children again. Absent when the data
   * is empty; never answered by R9/R10. An original RM ignores the key.
   */
  data?: JsonObject;
}

export interface JobStatus {
  requestId: string;
  jobId: string;
  state: State;
  status: string;
  /** Seconds since the job was marked RUNNING. */
  runtime: number;
  /** The Nth job started in its chain (1 = first). */
  n: number;
}

export interface JobChainStatus {
  requestId: string;
  jobStatuses: JobStatus[] | null;
}

export interface RequestStatus {
  request: Request;
  jobChainStatus: JobChainStatus;
}

/** RM GET /api/v1/status/running. Both keys are omitted when empty. */
export interface RunningStatus {
  jobs?: JobStatus[];
  requests?: Record<string, Request>;
}

export interface CreateRequestParams {
  Type: string;
  Args: JsonObject | null;
  User: string;
}

export interface FinishRequestParams {
  State: State;
}

// ---- sort orders (proto/s2s.go sort helpers) --------------------------------------------------

/** `JobStatuses`: by job id, ascending. Use as `list.sort(JobStatuses)`. */
export function JobStatuses(a: Pick<JobStatus, 'jobId'>, b: Pick<JobStatus, 'jobId'>): number {
  return a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0;
}

/** `JobStatusByRuntime`: longest-running first; ties by job id (the seed left ties random). */
export function JobStatusByRuntime(
  a: Pick<JobStatus, 'jobId' | 'runtime'>,
  b: Pick<JobStatus, 'jobId' | 'runtime'>,
): number {
  return b.runtime - a.runtime || JobStatuses(a, b);
}

// ---- times ------------------------------------------------------------------------------------

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A Date as Go's RFC3339Nano in UTC (`2017-08-29T14:03:11.527Z`, fractional zeros trimmed). */
export function formatTime(date: Date): Time {
  return date.toISOString().replace(/\.?0+Z$/, 'Z');
}

/** Milliseconds since the epoch of a wire time. */
export function timeToMillis(time: Time): number {
  return Date.parse(time);
}

/** Go's zero time.Time, what a missing non-pointer time decodes to. */
export const ZERO_TIME: Time = '0001-01-01T00:00:00Z';

// ---- decoding ---------------------------------------------------------------------------------

/** Input that does not fit a message. `field` is the dotted path, e.g. `JobChain.jobs["a@1"].retry`. */
export class WireError extends Error {
  override name = 'WireError';
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`${field}: expected ${expected}, got ${describe(got)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

/** Reads one JSON object's fields the way Go's decoder matches struct keys. */
export class Fields {
  /** The object's values by lower-cased key (the last of keys that differ only in case wins, as in Go). */
  private readonly byLowerKey: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  constructor(
    value: unknown,
    private readonly path: string,
  ) {
    if (value === null || value === undefined) return; // Go: null leaves the zero value
    if (typeof value !== 'object' || Array.isArray(value)) throw new WireError(path, 'an object', value);
    const source = value as Record<string, unknown>;
    for (const k of Object.keys(source)) this.byLowerKey[k.toLowerCase()] = source[k];
  }

  private get(key: string): unknown {
    return this.byLowerKey[key.toLowerCase()];
  }

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  raw(key: string): unknown {
    return this.get(key);
  }

  string(key: string): string {
    const v = this.get(key);
    if (v == null) return '';
    if (typeof v !== 'string') throw new WireError(this.at(key), 'a string', v);
    return v;
  }

  bool(key: string): boolean {
    const v = this.get(key);
    if (v == null) return false;
    if (typeof v !== 'boolean') throw new WireError(this.at(key), 'true or false', v);
    return v;
  }

  /** An integer in [min, max] (Go's int/uint/byte kinds). */
  int(key: string, min: number, max: number): number {
    const v = this.get(key);
    if (v == null) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new WireError(this.at(key), `an integer from ${min} to ${max}`, v);
    }
    return v;
  }

  state(key: string): State {
    return this.int(key, 0, 255);
  }

  uint(key: string): number {
    return this.int(key, 0, Number.MAX_SAFE_INTEGER);
  }

  float(key: string): number {
    const v = this.get(key);
    if (v == null) return 0;
    if (typeof v !== 'number') throw new WireError(this.at(key), 'a number', v);
    return v;
  }

  /** An int64 of Unix nanoseconds, kept exact. */
  nanos(key: string): bigint {
    const v = this.get(key);
    if (v == null) return 0n;
    if (typeof v === 'bigint') return v;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new WireError(this.at(key), 'an integer (Unix nanoseconds)', v);
    return BigInt(v);
  }

  time(key: string): Time {
    return this.timeOrNull(key) ?? ZERO_TIME;
  }

  timeOrNull(key: string): Time | null {
    const v = this.get(key);
    if (v == null) return null;
    if (typeof v !== 'string' || !RFC3339.test(v) || Number.isNaN(Date.parse(v))) {
      throw new WireError(this.at(key), 'an RFC 3339 time', v);
    }
    return v;
  }

  bytes(key: string): Uint8Array | null {
    const v = this.get(key);
    if (v == null) return null;
    const bytes = typeof v === 'string' ? base64ToBytes(v) : null;
    if (bytes === null) throw new WireError(this.at(key), 'base64 text', v);
    return bytes;
  }

  /** A JSON object (Go's map[string]interface{}), every number in it finite. */
  object(key: string): JsonObject | null {
    return decodeJsonObject(this.get(key), this.at(key));
  }

  /** A map (Go's map[string]T), each value read by `read` (which checks it). */
  record<T>(key: string, read: (value: unknown, path: string) => T): Record<string, T> {
    const obj = this.get(key);
    if (obj == null) return {};
    if (typeof obj !== 'object' || Array.isArray(obj)) throw new WireError(this.at(key), 'an object', obj);
    const out: Record<string, T> = {};
    const at = this.at(key);
    const source = obj as Record<string, unknown>;
    for (const k of Object.keys(source)) {
      const value = read(source[k], `${at}[${JSON.stringify(k)}]`);
      // A "__proto__" key stays a key: assigning it would replace the prototype instead.
      if (k === '__proto__')
        Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
      else out[k] = value;
    }
    return out;
  }

  list<T>(key: string, read: (value: unknown, path: string) => T): T[] | null {
    return decodeList(this.get(key), this.at(key), read);
  }
}

/** A JSON object (Go's map[string]interface{}), every number in it finite; null for null. */
export function decodeJsonObject(v: unknown, path: string): JsonObject | null {
  if (v == null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new WireError(path, 'an object', v);
  checkFinite(v, path);
  return v as JsonObject;
}

/**
 * Throws a WireError at the first number in `value` that is not finite: JSON.parse reads 1e400
 * as Infinity, which no JSON can carry back (Go's decoder refuses it as out of range).
 * Iterative, so any nesting JSON.parse accepted is walked without growing the stack; the path
 * is only worked out for the error.
 */
function checkFinite(value: object, path: string): void {
  const stack: unknown[] = [value];
  let bad = false;
  while (!bad && stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') bad = !Number.isFinite(v);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push(x);
  }
  if (!bad) return;
  const paths: Array<[unknown, string]> = [[value, path]];
  for (let item = paths.pop(); item !== undefined; item = paths.pop()) {
    const [v, at] = item;
    if (typeof v === 'number' && !Number.isFinite(v)) throw new WireError(at, 'a finite number', v);
    if (Array.isArray(v)) v.forEach((x, i) => paths.push([x, `${at}[${i}]`]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths.push([x, `${at}.${k}`]);
  }
}

export function decodeList<T>(v: unknown, path: string, read: (value: unknown, path: string) => T): T[] | null {
  if (v == null) return null;
  if (!Array.isArray(v)) throw new WireError(path, 'an array', v);
  return v.map((item, i) => read(item, `${path}[${i}]`));
}

export function stringList(v: unknown, path: string): string[] {
  return (
    decodeList(v, path, (s, p) => {
      if (typeof s !== 'string') throw new WireError(p, 'a string', s);
      return s;
    }) ?? []
  );
}

export function decodeJob(v: unknown, path = 'Job'): Job {
  const f = new Fields(v, path);
  return {
    id: f.string('id'),
    type: f.string('type'),
    bytes: f.bytes('bytes'),
    state: f.state('state'),
    args: f.object('args'),
    data: f.object('data'),
    retry: f.uint('retry'),
    retryWait: f.uint('retryWait'),
  };
}

export function decodeJobChain(v: unknown, path = 'JobChain'): JobChain {
  const f = new Fields(v, path);
  return {
    requestId: f.string('requestId'),
    jobs: f.record('jobs', decodeJob),
    adjacencyList: f.record('adjacencyList', stringList),
    state: f.state('state'),
  };
}

export function decodeRequest(v: unknown, path = 'Request'): Request {
  const f = new Fields(v, path);
  const chain = f.raw('JobChain');
  return {
    id: f.string('id'),
    type: f.string('type'),
    state: f.state('state'),
    user: f.string('user'),
    createdAt: f.time('createdAt'),
    startedAt: f.timeOrNull('startedAt'),
    finishedAt: f.timeOrNull('finishedAt'),
    ...(chain == null ? {} : { jobChain: decodeJobChain(chain, f.at('JobChain')) }),
    totalJobs: f.int('totalJobs', -(2 ** 31), 2 ** 31 - 1),
    finishedJobs: f.int('finishedJobs', -(2 ** 31), 2 ** 31 - 1),
  };
}

export function decodeRequestArg(v: unknown, path = 'RequestArg'): RequestArg {
  const f = new Fields(v, path);
  return { Name: f.string('Name'), Desc: f.string('Desc'), Required: f.bool('Required'), Default: f.string('Default') };
}

export function decodeRequestSpec(v: unknown, path = 'RequestSpec'): RequestSpec {
  const f = new Fields(v, path);
  return { Name: f.string('Name'), Args: f.list('Args', decodeRequestArg) };
}

export function decodeJobLog(v: unknown, path = 'JobLog'): JobLog {
  const f = new Fields(v, path);
  const log: JobLog = {
    requestId: f.string('requestId'),
    jobId: f.string('jobId'),
    try: f.uint('try'),
    type: f.string('type'),
    startedAt: f.nanos('startedAt'),
    finishedAt: f.nanos('finishedAt'),
    state: f.state('state'),
    exit: f.int('exit', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    error: f.string('error'),
    stdout: f.string('stdout'),
    stderr: f.string('stderr'),
  };
  // Our extension: present only when it has keys (a log without data keeps the 2017 shape).
  const data = f.object('data');
  if (data !== null && hasKeys(data)) log.data = data;
  return log;
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

export function decodeJobStatus(v: unknown, path = 'JobStatus'): JobStatus {
  const f = new Fields(v, path);
  return {
    requestId: f.string('requestId'),
    jobId: f.string('jobId'),
    state: f.state('state'),
    status: f.string('status'),
    runtime: f.float('runtime'),
    n: f.uint('n'),
  };
}

export function decodeJobChainStatus(v: unknown, path = 'JobChainStatus'): JobChainStatus {
  const f = new Fields(v, path);
  return { requestId: f.string('requestId'), jobStatuses: f.list('jobStatuses', decodeJobStatus) };
}

export function decodeRequestStatus(v: unknown, path = 'RequestStatus'): RequestStatus {
  const f = new Fields(v, path);
  return {
    request: decodeRequest(f.raw('request'), f.at('request')),
    jobChainStatus: decodeJobChainStatus(f.raw('jobChainStatus'), f.at('jobChainStatus')),
  };
}

export function decodeRunningStatus(v: unknown, path = 'RunningStatus'): RunningStatus {
  const f = new Fields(v, path);
  const jobs = f.list('jobs', decodeJobStatus);
  const requests = f.object('requests') === null ? null : f.record('requests', decodeRequest);
  return {
    ...(jobs && jobs.length > 0 ? { jobs } : {}),
    ...(requests && Object.keys(requests).length > 0 ? { requests } : {}),
  };
}

export function decodeCreateRequestParams(v: unknown, path = 'CreateRequestParams'): CreateRequestParams {
  const f = new Fields(v, path);
  return { Type: f.string('Type'), Args: f.object('Args'), User: f.string('User') };
}

export function decodeFinishRequestParams(v: unknown, path = 'FinishRequestParams'): FinishRequestParams {
  return { State: new Fields(v, path).state('State') };
}

export function decodeRequestSpecs(v: unknown): RequestSpec[] {
  return decodeList(v, '[]RequestSpec', decodeRequestSpec) ?? [];
}

export function decodeJobLogs(v: unknown): JobLog[] {
  return decodeList(v, '[]JobLog', decodeJobLog) ?? [];
}

export function decodeJobStatusList(v: unknown): JobStatus[] {
  return decodeList(v, '[]JobStatus', decodeJobStatus) ?? [];
}

// ---- encoding ---------------------------------------------------------------------------------

export function encodeJob(j: Job): string {
  return goStruct([
    ['id', goString(j.id)],
    ['type', goString(j.type)],
    ['bytes', goBytes(j.bytes)],
    ['state', goNumber(j.state)],
    ['args', goAny(j.args)],
    ['data', goAny(j.data)],
    ['retry', goNumber(j.retry)],
    ['retryWait', goNumber(j.retryWait)],
  ]);
}

export function encodeJobChain(c: JobChain): string {
  return goStruct([
    ['requestId', goString(c.requestId)],
    ['jobs', goMap(c.jobs, encodeJob)],
    ['adjacencyList', goMap(c.adjacencyList, (ids) => goSlice(ids, goString))],
    ['state', goNumber(c.state)],
  ]);
}

const goTimeOrNull = (t: Time | null): string => (t === null ? 'null' : goString(t));

export function encodeRequest(r: Request): string {
  return goStruct([
    ['id', goString(r.id)],
    ['type', goString(r.type)],
    ['state', goNumber(r.state)],
    ['user', goString(r.user)],
    ['createdAt', goString(r.createdAt)],
    ['startedAt', goTimeOrNull(r.startedAt)],
    ['finishedAt', goTimeOrNull(r.finishedAt)],
    ...(r.jobChain ? [['JobChain', encodeJobChain(r.jobChain)] as const] : []),
    ['totalJobs', goNumber(r.totalJobs)],
    ['finishedJobs', goNumber(r.finishedJobs)],
  ]);
}

export function encodeRequestArg(a: RequestArg): string {
  return goStruct([
    ['Name', goString(a.Name)],
    ['Desc', goString(a.Desc)],
    ['Required', a.Required ? 'true' : 'false'],
    ['Default', goString(a.Default)],
  ]);
}

export function encodeRequestSpec(s: RequestSpec): string {
  return goStruct([
    ['Name', goString(s.Name)],
    ['Args', goSlice(s.Args, encodeRequestArg)],
  ]);
}

export function encodeJobLog(l: JobLog): string {
  const fields = jobLogFields(l);
  if (l.data) fields.push(['data', goAny(l.data)]);
  return goStruct(fields);
}

/** A JobLog's keys and encoded values in Go's struct order (v2's JobLog adds `name` after `try`). */
export function jobLogFields(l: JobLog): Array<readonly [string, string]> {
  return [
    ['requestId', goString(l.requestId)],
    ['jobId', goString(l.jobId)],
    ['try', goNumber(l.try)],
    ['type', goString(l.type)],
    ['startedAt', goNumber(l.startedAt)],
    ['finishedAt', goNumber(l.finishedAt)],
    ['state', goNumber(l.state)],
    ['exit', goNumber(l.exit)],
    ['error', goString(l.error)],
    ['stdout', goString(l.stdout)],
    ['stderr', goString(l.stderr)],
  ];
}

export function encodeJobStatus(s: JobStatus): string {
  return goStruct([
    ['requestId', goString(s.requestId)],
    ['jobId', goString(s.jobId)],
    ['state', goNumber(s.state)],
    ['status', goString(s.status)],
    ['runtime', goNumber(s.runtime)],
    ['n', goNumber(s.n)],
  ]);
}

export function encodeJobChainStatus(s: JobChainStatus): string {
  return goStruct([
    ['requestId', goString(s.requestId)],
    ['jobStatuses', goSlice(s.jobStatuses, encodeJobStatus)],
  ]);
}

export function encodeRequestStatus(s: RequestStatus): string {
  return goStruct([
    ['request', encodeRequest(s.request)],
    ['jobChainStatus', encodeJobChainStatus(s.jobChainStatus)],
  ]);
}

export function encodeRunningStatus(s: RunningStatus): string {
  const fields: Array<readonly [string, string]> = [];
  if (s.jobs && s.jobs.length > 0) fields.push(['jobs', goSlice(s.jobs, encodeJobStatus)]);
  if (s.requests && Object.keys(s.requests).length > 0) fields.push(['requests', goMap(s.requests, encodeRequest)]);
  return goStruct(fields);
}

export function encodeCreateRequestParams(p: CreateRequestParams): string {
  return goStruct([
    ['Type', goString(p.Type)],
    ['Args', goAny(p.Args)],
    ['User', goString(p.User)],
  ]);
}

export function encodeFinishRequestParams(p: FinishRequestParams): string {
  return goStruct([['State', goNumber(p.State)]]);
}

export function encodeRequestSpecs(specs: readonly RequestSpec[]): string {
  return goSlice(specs, encodeRequestSpec);
}

export function encodeJobLogs(logs: readonly JobLog[]): string {
  return goSlice(logs, encodeJobLog);
}

export function encodeJobStatusList(list: readonly JobStatus[]): string {
  return goSlice(list, encodeJobStatus);
}

/** Parses wire text and decodes it in one step: `readWire(body, decodeJobLog)`. */
export function readWire<T>(text: string, decode: (v: unknown) => T): T {
  return decode(parseWire(text));
}
