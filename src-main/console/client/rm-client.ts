// A typed client for every Request Manager endpoint (docs/protocol/wire.md §4), for ours and for an
// original Spin Cycle RM alike. Each call has a timeout; GETs (safe to repeat) are retried with
// exponential backoff on network errors and 502/503/504; the server's plain-text error body
// becomes the error's message (cut to a readable length). A server is not trusted further than
// that: redirects are not followed, an answer larger than maxResponseBytes is refused, an
// empty or `null` answer where a request, log or status is due is an error (not a zero value),
// and a URL carrying a user name or password is refused without showing the password.

import {
  decodeJobChain,
  decodeJobLog,
  decodeJobLogs,
  decodeRequest,
  decodeRequestSpecs,
  decodeRequestStatus,
  decodeRunningStatus,
  encodeCreateRequestParams,
  encodeFinishRequestParams,
  encodeJobLog,
  parseWire,
  type JobChain,
  type JobLog,
  type JsonObject,
  type Request,
  type RequestSpec,
  type RequestStatus,
  type RunningStatus,
  type State,
} from '../../shared/proto';
import { clip } from '../../shared/clip';
import {
  decodeJobOutput,
  outputQueryString,
  requestOutputPath,
  type JobOutput,
  type OutputQuery,
} from '../../shared/live-output';
import { STORAGE_STATUS_PATH, decodeStorageStatus, type StorageStatus } from '../../shared/storage-status';

export type RmErrorKind = 'http' | 'unreachable' | 'timeout' | 'bad-response';

/** A failed call. `message` is the server's own text for kind 'http'. */
export class RmClientError extends Error {
  override name = 'RmClientError';
  constructor(
    message: string,
    readonly kind: RmErrorKind,
    readonly url: string,
    /** The HTTP status, for kind 'http'. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface RmClientOptions {
  /** The RM's base URL, e.g. http://127.0.0.1:8888 (a trailing slash is ignored). */
  baseUrl: string;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Extra tries for GETs after the first (default 2). */
  getRetries?: number;
  /** First backoff delay; doubles each retry (default 200 ms). */
  backoffMs?: number;
  /** Sent as `Authorization: Bearer <secret>` with every call (an engine started with --api-secret-file). */
  secret?: string;
  /** Largest answer read (default 1 GiB: a request's logs may be hundreds of MB). */
  maxResponseBytes?: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 1024 ** 3;
/** Longest error text kept from a server's answer. */
const MAX_ERROR_TEXT = 2000;

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/** `text` with the user name and password of any URL in it replaced by `***`. */
export function redactUrl(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, '//***@');
}

/** The Request Manager URL `baseUrl` is, or an Error saying why not (never showing a password). */
export function checkRmUrl(baseUrl: string): URL {
  const shown = JSON.stringify(clip(redactUrl(baseUrl), 200));
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`invalid Request Manager URL ${shown}: expected e.g. http://127.0.0.1:8888`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`invalid Request Manager URL ${shown}: only http and https are supported`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new Error(`invalid Request Manager URL ${shown}: a user name or password in the URL is not supported`);
  }
  return url;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RmClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly getRetries: number;
  private readonly backoffMs: number;
  private readonly headers: Record<string, string>;
  private readonly maxResponseBytes: number;

  constructor(options: RmClientOptions) {
    checkRmUrl(options.baseUrl);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.getRetries = options.getRetries ?? 2;
    this.backoffMs = options.backoffMs ?? 200;
    // The original's clients send Content-Type on every call, bodiless ones too.
    this.headers = {
      'Content-Type': 'application/json',
      ...(options.secret === undefined ? {} : { Authorization: `Bearer ${options.secret}` }),
    };
  }

  // ---- endpoints (R1..R12) ----

  /** R1: create (and start) a request. */
  async createRequest(type: string, args: JsonObject, user = ''): Promise<Request> {
    const body = encodeCreateRequestParams({ Type: type, Args: args, User: user });
    return this.call('POST', '/api/v1/requests', body, 201, answer(decodeRequest, 'a request'));
  }

  /** R2 */
  async getRequest(requestId: string): Promise<Request> {
    return this.get(`/api/v1/requests/${id(requestId)}`, answer(decodeRequest, 'a request'));
  }

  /** R3 */
  async startRequest(requestId: string): Promise<void> {
    await this.call('PUT', `/api/v1/requests/${id(requestId)}/start`);
  }

  /** R4 (normally called by the JR) */
  async finishRequest(requestId: string, state: State): Promise<void> {
    await this.call('PUT', `/api/v1/requests/${id(requestId)}/finish`, encodeFinishRequestParams({ State: state }));
  }

  /** R5 */
  async stopRequest(requestId: string): Promise<void> {
    await this.call('PUT', `/api/v1/requests/${id(requestId)}/stop`);
  }

  /** R6 */
  async requestStatus(requestId: string): Promise<RequestStatus> {
    return this.get(`/api/v1/requests/${id(requestId)}/status`, answer(decodeRequestStatus, 'a request status'));
  }

  /** R7 */
  async jobChain(requestId: string): Promise<JobChain> {
    return this.get(`/api/v1/requests/${id(requestId)}/job-chain`, answer(decodeJobChain, 'a job chain'));
  }

  /** R8 (normally called by the JR) */
  async createJobLog(requestId: string, log: JobLog): Promise<JobLog> {
    return this.call(
      'POST',
      `/api/v1/requests/${id(requestId)}/log`,
      encodeJobLog(log),
      201,
      answer(decodeJobLog, 'a job log'),
    );
  }

  /** R9: every try of every job. */
  async jobLogs(requestId: string): Promise<JobLog[]> {
    return this.get(`/api/v1/requests/${id(requestId)}/log`, decodeJobLogs);
  }

  /** R10: the latest try of one job. */
  async jobLog(requestId: string, jobId: string): Promise<JobLog> {
    return this.get(`/api/v1/requests/${id(requestId)}/log/${id(jobId)}`, answer(decodeJobLog, 'a job log'));
  }

  /** R11 */
  async requestList(): Promise<RequestSpec[]> {
    return this.get('/api/v1/request-list', decodeRequestSpecs);
  }

  /** R12 */
  async running(): Promise<RunningStatus> {
    return this.get('/api/v1/status/running', answer(decodeRunningStatus, 'the running status'));
  }

  /** Whether the RM can write its database (ours only); null from an RM without the route (404). */
  async storageStatus(): Promise<StorageStatus | null> {
    try {
      return await this.get(STORAGE_STATUS_PATH, answer(decodeStorageStatus, 'the storage status'));
    } catch (err) {
      if (err instanceof RmClientError && err.status === 404) return null;
      throw err;
    }
  }

  /**
   * A job's output from the byte offsets asked for (ours only, docs/protocol/extensions.md):
   * the running try's, then its log's. Null from an RM without the route (404 other than
   * `request not found`, or 405: the original).
   */
  async jobOutput(requestId: string, jobId: string, query: OutputQuery): Promise<JobOutput | null> {
    try {
      return await this.get(
        `${requestOutputPath(requestId, jobId)}?${outputQueryString(query)}`,
        answer(decodeJobOutput, 'a job output'),
      );
    } catch (err) {
      const missing =
        err instanceof RmClientError &&
        (err.status === 405 || (err.status === 404 && err.message !== 'request not found'));
      if (missing && err.kind === 'http') return null;
      throw err;
    }
  }

  // ---- transport ----

  private get<T>(path: string, decode: (v: unknown) => T): Promise<T> {
    return this.call('GET', path, undefined, 200, decode);
  }

  /** Sends one call; returns the decoded body (undefined without a decoder). */
  private async call<T = void>(
    method: string,
    path: string,
    body?: string,
    expect = 200,
    decode?: (v: unknown) => T,
  ): Promise<T> {
    const url = this.baseUrl + path;
    const tries = method === 'GET' ? 1 + this.getRetries : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const parsed = await this.once(method, url, body, expect);
        return decode ? decodeResponse(decode, parsed, method, url) : (undefined as T);
      } catch (err) {
        const retryable =
          err instanceof RmClientError &&
          (err.kind === 'unreachable' || err.kind === 'timeout' || RETRYABLE_STATUS.has(err.status ?? 0));
        if (!retryable || attempt >= tries) throw err;
        await sleep(this.backoffMs * 2 ** (attempt - 1));
      }
    }
  }

  private async once(method: string, url: string, body: string | undefined, expect: number): Promise<unknown> {
    let res: Response;
    let text: string;
    const signal = AbortSignal.timeout(this.timeoutMs);
    const timedOut = (err: unknown) =>
      err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    try {
      res = await fetch(url, {
        method,
        headers: this.headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal,
      });
    } catch (err) {
      if (timedOut(err)) {
        throw new RmClientError(`${method} ${url}: no answer within ${this.timeoutMs} ms`, 'timeout', url);
      }
      throw new RmClientError(`cannot reach ${url}: ${networkReason(err)}`, 'unreachable', url);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const to = res.headers.get('location');
      throw new RmClientError(
        `${method} ${url}: the server answered ${res.status}${to ? ` (to ${clip(redactUrl(to), 200)})` : ''}; redirects are not followed`,
        'bad-response',
        url,
        res.status,
      );
    }
    try {
      text = await readCapped(res, this.maxResponseBytes);
    } catch (err) {
      if (timedOut(err))
        throw new RmClientError(`${method} ${url}: no answer within ${this.timeoutMs} ms`, 'timeout', url);
      if (err instanceof RmClientError) throw err;
      throw new RmClientError(`${method} ${url}: reading the answer: ${networkReason(err)}`, 'unreachable', url);
    }
    if (res.status !== expect) {
      const message = clip(text.trim(), MAX_ERROR_TEXT) || `${res.status} ${res.statusText}`;
      throw new RmClientError(message, 'http', url, res.status);
    }
    if (text === '') return undefined;
    try {
      return parseWire(text);
    } catch (err) {
      throw new RmClientError(`${method} ${url}: ${(err as Error).message}`, 'bad-response', url, res.status);
    }
  }
}

/** The body as text, refused (and the rest not read) past `max` bytes. */
async function readCapped(res: Response, max: number): Promise<string> {
  const tooLarge = () =>
    new RmClientError(
      `${res.url}: the answer is larger than ${max} bytes; not read`,
      'bad-response',
      res.url,
      res.status,
    );
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) {
      await res.body.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** A decoder for an answer that must be a JSON object (`what`): empty or `null` is an error, not a zero value. */
function answer<T>(decode: (v: unknown) => T, what: string): (v: unknown) => T {
  return (v) => {
    if (v === undefined || v === null)
      throw new Error(`expected ${what}, got ${v === null ? 'null' : 'an empty body'}`);
    return decode(v);
  };
}

function decodeResponse<T>(decode: (v: unknown) => T, value: unknown, method: string, url: string): T {
  try {
    return decode(value);
  } catch (err) {
    throw new RmClientError(`${method} ${url}: unexpected answer: ${(err as Error).message}`, 'bad-response', url);
  }
}

/** A path segment: '@' and ':' are legal there, and job ids (`name@n`) are sent as the original's clients send them. */
const id = (s: string) => encodeURIComponent(s).replace(/%40/g, '@').replace(/%3A/gi, ':');

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused (is the Request Manager running?)';
  if (cause?.code === 'ENOTFOUND') return 'host not found';
  if (cause?.code === 'ECONNRESET') return 'connection reset';
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}
