// HTTP to one Request Manager, for every protocol generation: node:http(s) with keep-alive, the
// context's credentials (extra headers, a CA, a client certificate and key), a timeout per
// attempt, retries with exponential backoff for GETs (safe to repeat) on network errors and
// 502/503/504, no redirects followed, and a cap on the size of an answer. A refusal's message is
// the server's own text (cut to a readable length): the body of a 2017 server, the `message` of a
// v2 server's JSON error. Secrets never appear in a message: not the header values; a URL with a
// user name or password is refused without showing the password.

import http from 'node:http';
import https from 'node:https';
import { clip } from '../../shared/clip';
import { parseWire } from '../../shared/proto';

/**
 * Why a call failed: the server refused it (`http`), could not be reached or did not answer in
 * time, answered nonsense, cannot do what was asked (`unsupported`), or would not talk to the
 * console at all (`refused`: a 401 or 403 to the first question, or credentials that cannot be
 * read, so no call can work).
 */
export type RmErrorKind = 'http' | 'unreachable' | 'timeout' | 'bad-response' | 'unsupported' | 'refused';

/** A failed call. `message` is the server's own text for kind 'http'. */
export class RmClientError extends Error {
  override name = 'RmClientError';
  constructor(
    message: string,
    readonly kind: RmErrorKind,
    readonly url: string,
    /** The HTTP status, for kind 'http' (and 'bad-response' when there was one). */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** No call to the server can work now (it is away, or will not talk to the console): the context is offline. */
export function isOffline(err: unknown): err is RmClientError {
  return (
    err instanceof RmClientError && (err.kind === 'unreachable' || err.kind === 'timeout' || err.kind === 'refused')
  );
}

/** What `call` gives, or null when the server answers 404 (no such request, no try logged yet). */
export async function unlessNotFound<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof RmClientError && err.status === 404) return null;
    throw err;
  }
}

/** How a context proves who it is. Every value here is a secret except the header names. */
export interface Credentials {
  /** Sent with every call, e.g. `{ Authorization: 'Bearer …' }`. */
  headers?: Readonly<Record<string, string>>;
  /** PEM: certificate authorities to trust instead of the system's. */
  ca?: string;
  /** PEM: a client certificate and its key, for servers that ask for one. */
  cert?: string;
  key?: string;
}

export interface TransportOptions {
  /** The RM's base URL, e.g. http://127.0.0.1:8888 (a trailing slash is ignored). */
  baseUrl: string;
  /** What the server is called in messages that need it (the context's name). */
  label?: string;
  credentials?: Credentials;
  /** Sent as `Authorization: Bearer <secret>` with every call (an engine started with --api-secret-file). */
  secret?: string | undefined;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Extra tries for GETs after the first (default 2). */
  getRetries?: number;
  /** First backoff delay; doubles each retry (default 200 ms). */
  backoffMs?: number;
  /** Largest answer read (default 1 GiB: a request's logs may be hundreds of MB). */
  maxResponseBytes?: number;
}

export interface CallOptions<T> {
  body?: string | undefined;
  /** The status of a success (default 200). */
  expect?: number | undefined;
  decode?: ((v: unknown) => T) | undefined;
  /** The answer must be a JSON object (one request, chain or log): empty or `null` is refused. */
  object?: string | undefined;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 ** 3;
/** Longest error text kept from a server's answer. */
const MAX_ERROR_TEXT = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

export class Transport {
  /** The base URL as given, without a trailing slash. */
  readonly baseUrl: string;
  /** The base URL as shown in messages. */
  readonly shownUrl: string;
  readonly label: string | undefined;
  readonly timeoutMs: number;
  private readonly getRetries: number;
  private readonly backoffMs: number;
  private readonly maxResponseBytes: number;
  private readonly headers: Record<string, string>;
  private readonly agent: http.Agent;

  constructor(options: TransportOptions) {
    const url = checkRmUrl(options.baseUrl);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.shownUrl = this.baseUrl;
    this.label = options.label;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.getRetries = options.getRetries ?? 2;
    this.backoffMs = options.backoffMs ?? 200;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const creds = options.credentials ?? {};
    // The original's clients send Content-Type on every call, bodiless ones too.
    this.headers = {
      ...creds.headers,
      ...(options.secret === undefined ? {} : { Authorization: `Bearer ${options.secret}` }),
      'Content-Type': 'application/json',
    };
    this.agent =
      url.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ...(creds.ca ? { ca: creds.ca } : {}),
            ...(creds.cert ? { cert: creds.cert } : {}),
            ...(creds.key ? { key: creds.key } : {}),
          })
        : new http.Agent({ keepAlive: true });
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * Sends one call and returns its answer, whatever the status. GETs are tried again on a
   * network error, a timeout and 502/503/504.
   */
  async send(method: string, path: string, body?: string): Promise<Reply> {
    const tries = method === 'GET' ? 1 + this.getRetries : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await this.once(method, path, body);
        if (attempt < tries && RETRYABLE_STATUS.has(reply.status)) {
          await sleep(this.backoffMs * 2 ** (attempt - 1));
          continue;
        }
        return reply;
      } catch (err) {
        const retryable = err instanceof RmClientError && (err.kind === 'unreachable' || err.kind === 'timeout');
        if (!retryable || attempt >= tries) throw err;
        await sleep(this.backoffMs * 2 ** (attempt - 1));
      }
    }
  }

  /**
   * Sends one call and decodes its answer: a status other than `expect` (default 200) is a
   * refusal; a body that is not JSON, or does not fit `decode`, is a 'bad-response' naming the
   * field. Without a decoder the body is not read.
   */
  async call<T = void>(method: string, path: string, options: CallOptions<T> = {}): Promise<T> {
    return (await this.callReply(method, path, options)).value;
  }

  /** Like call(), with the answer's headers. */
  async callReply<T = void>(
    method: string,
    path: string,
    options: CallOptions<T> = {},
  ): Promise<{ value: T; headers: http.IncomingHttpHeaders }> {
    const reply = await this.send(method, path, options.body);
    if (reply.status !== (options.expect ?? 200)) throw this.refusal(method, path, reply);
    const value = options.decode
      ? this.decode(method, path, reply.text, options.decode, options.object)
      : (undefined as T);
    return { value, headers: reply.headers };
  }

  /**
   * Parses and decodes an answer's text; what does not fit is a 'bad-response' naming the field.
   * With `object` (what it should be, e.g. "a request"), an empty or `null` answer is refused
   * rather than read as an empty one.
   */
  decode<T>(method: string, path: string, text: string, decode: (v: unknown) => T, object?: string): T {
    const url = this.shownUrl + path;
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : parseWire(text);
    } catch (err) {
      throw new RmClientError(`${method} ${url}: ${(err as Error).message}`, 'bad-response', url);
    }
    if (object !== undefined && (parsed === undefined || parsed === null)) {
      const got = parsed === null ? 'null' : 'an empty body';
      throw new RmClientError(
        `${method} ${url}: unexpected answer: expected ${object}, got ${got}`,
        'bad-response',
        url,
      );
    }
    try {
      return decode(parsed);
    } catch (err) {
      throw new RmClientError(`${method} ${url}: unexpected answer: ${(err as Error).message}`, 'bad-response', url);
    }
  }

  /** The error for an answer with an unexpected status: the server's own words. */
  refusal(method: string, path: string, reply: Reply): RmClientError {
    const url = this.shownUrl + path;
    const said = clip(serverMessage(reply), MAX_ERROR_TEXT);
    if (reply.status >= 300 && reply.status < 400) {
      const to = reply.headers.location ? ` (to ${clip(redactUrl(String(reply.headers.location)), 200)})` : '';
      return new RmClientError(
        `${method} ${url}: the server answered ${reply.status}${to}; redirects are not followed`,
        'bad-response',
        url,
        reply.status,
      );
    }
    if (reply.status === 401 || reply.status === 403) {
      const who = this.label ? `${this.label} (${this.shownUrl})` : this.shownUrl;
      const why = reply.status === 401 ? 'not authorized' : 'forbidden';
      return new RmClientError(
        `${who} refused ${method} ${path}: ${reply.status} ${why}${said ? `: ${said}` : ''}`,
        'http',
        url,
        reply.status,
      );
    }
    return new RmClientError(
      said || `${reply.status} ${http.STATUS_CODES[reply.status] ?? ''}`.trim(),
      'http',
      url,
      reply.status,
    );
  }

  private once(method: string, path: string, body: string | undefined): Promise<Reply> {
    const url = this.baseUrl + path;
    const shown = this.shownUrl + path;
    const target = new URL(url);
    const mod = target.protocol === 'https:' ? https : http;
    const headers = { ...this.headers, ...(body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) }) };
    return new Promise<Reply>((resolve, reject) => {
      let settled = false;
      const fail = (err: RmClientError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const req = mod.request(target, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const tooLarge = () =>
          fail(
            new RmClientError(
              `${method} ${shown}: the answer is larger than ${this.maxResponseBytes} bytes; not read`,
              'bad-response',
              shown,
              res.statusCode,
            ),
          );
        if (Number(res.headers['content-length'] ?? 0) > this.maxResponseBytes) return tooLarge();
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) return tooLarge();
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) =>
          fail(new RmClientError(`${method} ${shown}: ${networkReason(err)}`, 'unreachable', shown)),
        );
      });
      const timer = setTimeout(
        () => fail(new RmClientError(`${method} ${shown}: no answer within ${this.timeoutMs} ms`, 'timeout', shown)),
        this.timeoutMs,
      );
      req.on('error', (err) =>
        fail(new RmClientError(`cannot reach ${shown}: ${networkReason(err)}`, 'unreachable', shown)),
      );
      req.end(body);
    });
  }
}

/** An id as a path segment: '@' and ':' are legal there (2017 job ids are `name@n`, sent as the original's clients send them). */
export const segment = (s: string): string => encodeURIComponent(s).replace(/%40/g, '@').replace(/%3A/gi, ':');

/**
 * What the server said in a refusal: a v2 server's JSON `{"message": …}` (either of its two
 * error shapes), else the body's text (a 2017 server's plain-text error).
 */
export function serverMessage(reply: Reply): string {
  const text = reply.text.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (
        typeof parsed === 'object' &&
        parsed !== null &&
        typeof (parsed as { message?: unknown }).message === 'string'
      ) {
        return (parsed as { message: string }).message;
      }
    } catch {
      // not JSON: the text as it is
    }
  }
  return text;
}

function networkReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ECONNREFUSED') return 'connection refused (is the Request Manager running?)';
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'host not found';
  if (e.code === 'ECONNRESET') return 'connection reset';
  if (e.code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(e.code)) {
    return `TLS: ${e.message ?? e.code} (check the context's CA file, client certificate and key)`;
  }
  return e.message ?? String(err);
}
