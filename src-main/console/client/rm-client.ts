// A typed client for every Request Manager endpoint (docs/protocol/wire.md §4), for ours and for an
// original Spin Cycle RM alike. Each call has a timeout; GETs (safe to repeat) are retried with
// exponential backoff on network errors and 502/503/504; the server's plain-text error body
// becomes the error's message, unchanged.

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
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RmClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly getRetries: number;
  private readonly backoffMs: number;

  constructor(options: RmClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(
        `invalid Request Manager URL ${JSON.stringify(options.baseUrl)}: expected e.g. http://127.0.0.1:8888`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(
        `invalid Request Manager URL ${JSON.stringify(options.baseUrl)}: only http and https are supported`,
      );
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.getRetries = options.getRetries ?? 2;
    this.backoffMs = options.backoffMs ?? 200;
  }

  // ---- endpoints (R1..R12) ----

  /** R1: create (and start) a request. */
  async createRequest(type: string, args: JsonObject, user = ''): Promise<Request> {
    const body = encodeCreateRequestParams({ Type: type, Args: args, User: user });
    return this.call('POST', '/api/v1/requests', body, 201, decodeRequest);
  }

  /** R2 */
  async getRequest(requestId: string): Promise<Request> {
    return this.get(`/api/v1/requests/${id(requestId)}`, decodeRequest);
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
    return this.get(`/api/v1/requests/${id(requestId)}/status`, decodeRequestStatus);
  }

  /** R7 */
  async jobChain(requestId: string): Promise<JobChain> {
    return this.get(`/api/v1/requests/${id(requestId)}/job-chain`, decodeJobChain);
  }

  /** R8 (normally called by the JR) */
  async createJobLog(requestId: string, log: JobLog): Promise<JobLog> {
    return this.call('POST', `/api/v1/requests/${id(requestId)}/log`, encodeJobLog(log), 201, decodeJobLog);
  }

  /** R9: every try of every job. */
  async jobLogs(requestId: string): Promise<JobLog[]> {
    return this.get(`/api/v1/requests/${id(requestId)}/log`, decodeJobLogs);
  }

  /** R10: the latest try of one job. */
  async jobLog(requestId: string, jobId: string): Promise<JobLog> {
    return this.get(`/api/v1/requests/${id(requestId)}/log/${id(jobId)}`, decodeJobLog);
  }

  /** R11 */
  async requestList(): Promise<RequestSpec[]> {
    return this.get('/api/v1/request-list', decodeRequestSpecs);
  }

  /** R12 */
  async running(): Promise<RunningStatus> {
    return this.get('/api/v1/status/running', decodeRunningStatus);
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
    try {
      res = await fetch(url, {
        method,
        // The original's clients send this on every call, bodiless ones too.
        headers: { 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
        throw new RmClientError(`${method} ${url}: no answer within ${this.timeoutMs} ms`, 'timeout', url);
      }
      throw new RmClientError(`cannot reach ${url}: ${networkReason(err)}`, 'unreachable', url);
    }
    const text = await res.text();
    if (res.status !== expect) {
      const message = text.trim() || `${res.status} ${res.statusText}`;
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
