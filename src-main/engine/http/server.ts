// The engine's HTTP layer: a small router that answers like the original's labstack echo v2
// (docs/protocol/wire.md §1): plain-text error bodies, 404 `Not Found` for unknown paths, 405
// `Method Not Allowed` for a known path with another method, JSON bodies only with an
// application/json content type (415 otherwise), a size limit on bodies (413).
// Hand-rolled on node:http rather than a framework: every status, header and error text must
// match the recorded exchanges byte for byte, and the JR -> RM job-log path is the hot path of
// the engine bench (frameworks add hooks, serializers and their own error bodies).
// Every route names its op; the router's guard sees it before the handler runs (who may call
// what: rm/guard.ts, jr/http-api.ts), so a new route cannot forget to be guarded.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { clip } from '../../shared/clip';
import { WireError, WireSyntaxError, parseWire } from '../../shared/proto';
import type { Caller } from '../auth/caller';
import { accessCheck, type AccessOptions } from './access';
import type { TlsFiles } from './tls';

/** An error that becomes a plain-text response: `status` and the message as the body. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    /** Sent with the answer (e.g. WWW-Authenticate on a 401). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export interface Reply {
  status: number;
  /** Already-encoded body; absent for bodiless replies (Content-Length: 0, no Content-Type). */
  body?: string;
  type?: 'json' | 'text';
  headers?: Record<string, string>;
}

export const jsonReply = (status: number, body: string, headers?: Record<string, string>): Reply => ({
  status,
  body,
  type: 'json',
  ...(headers ? { headers } : {}),
});
export const textReply = (status: number, message: string): Reply => ({ status, body: message, type: 'text' });
export const emptyReply = (status = 200, headers?: Record<string, string>): Reply => ({
  status,
  ...(headers ? { headers } : {}),
});

export interface RouteRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  /** The query string's parameters (repeats kept, in order). */
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The body as text, read on first call (size-limited). */
  text(): Promise<string>;
  /** The body parsed as JSON and decoded by `decode`; 415/400/413 on bad input. */
  json<T>(decode: (v: unknown) => T): Promise<T>;
  /** Who is calling, as the guard found (null where the listener names no callers). */
  caller: Caller | null;
  /** The address the call came from. */
  remoteAddress: string;
}

export type Handler = (req: RouteRequest) => Reply | Promise<Reply>;

/**
 * Runs before a route's handler with the op the route was added with: throws an HttpError to
 * refuse the call, or returns the caller (null where there is none to name).
 */
export type Guard<Op extends string> = (op: Op, req: RouteRequest) => Caller | null | Promise<Caller | null>;

/** The guard of a listener that asks nothing of its callers (tests, recordings). */
export const openGuard: Guard<string> = () => null;

interface Route<Op extends string> {
  method: string;
  segments: string[];
  op: Op;
  handler: Handler;
}

export interface RouterOptions {
  /** Largest accepted request body in bytes (default 64 MiB). */
  maxBodyBytes?: number;
  /** Called for every unexpected (500) error, to log it. */
  onError?: (err: unknown, req: { method: string; path: string }) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Longest error text answered (an error quoting the request is cut, never sent back whole). */
const MAX_ERROR_TEXT = 4096;

export class Router<Op extends string = string> {
  private readonly routes: Array<Route<Op>> = [];
  constructor(
    private readonly guard: Guard<Op>,
    private readonly options: RouterOptions = {},
  ) {}

  /**
   * `pattern` like `/api/v1/requests/:reqId/log/:jobId`; a `:name` segment matches one
   * non-empty segment. `op` is what the guard is asked about before `handler` runs.
   */
  add(method: string, pattern: string, op: Op, handler: Handler): this {
    this.routes.push({ method, segments: pattern.split('/'), op, handler });
    return this;
  }

  private match(path: string): { byMethod: Map<string, Route<Op>>; params: Record<string, string> } | null {
    const parts = path.split('/');
    const byMethod = new Map<string, Route<Op>>();
    let params: Record<string, string> = {};
    for (const route of this.routes) {
      if (route.segments.length !== parts.length) continue;
      const found: Record<string, string> = {};
      const ok = route.segments.every((seg, i) => {
        const part = parts[i] as string;
        if (seg.startsWith(':')) {
          if (part === '') return false;
          found[seg.slice(1)] = safeDecode(part);
          return true;
        }
        return seg === part;
      });
      if (ok && !byMethod.has(route.method)) {
        byMethod.set(route.method, route);
        if (byMethod.size === 1) params = found;
      }
    }
    return byMethod.size > 0 ? { byMethod, params } : null;
  }

  /** Node request listener. */
  readonly listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void this.dispatch(req, res);
  };

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    let reply: Reply;
    try {
      const found = this.match(path);
      const route = found?.byMethod.get(method);
      if (!found) reply = textReply(404, 'Not Found');
      else if (!route) reply = textReply(405, 'Method Not Allowed');
      else {
        const routeReq = this.routeRequest(req, method, path, found.params, query);
        const caller = this.guard(route.op, routeReq);
        routeReq.caller = caller instanceof Promise ? await caller : caller;
        reply = await route.handler(routeReq);
      }
    } catch (err) {
      reply = this.errorReply(err, method, path);
    }
    send(res, reply);
    // Drain an unread body so the connection can be reused.
    if (!req.readableEnded) req.resume();
  }

  private errorReply(err: unknown, method: string, path: string): Reply {
    const { status, text, unexpected } = errorAnswer(err);
    if (unexpected) this.options.onError?.(err, { method, path });
    return { ...textReply(status, text), ...(err instanceof HttpError && err.headers ? { headers: err.headers } : {}) };
  }

  private routeRequest(
    req: http.IncomingMessage,
    method: string,
    path: string,
    params: Record<string, string>,
    query: URLSearchParams,
  ): RouteRequest {
    const limit = this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    let body: Promise<string> | undefined;
    const text = () => (body ??= readBody(req, limit));
    return {
      method,
      path,
      params,
      query,
      headers: req.headers,
      caller: null,
      remoteAddress: req.socket.remoteAddress ?? '',
      text,
      async json<T>(decode: (v: unknown) => T): Promise<T> {
        const type = req.headers['content-type'] ?? '';
        if (!type.toLowerCase().startsWith('application/json')) throw new HttpError(415, 'Unsupported Media Type');
        return decode(parseWire(await text()));
      },
    };
  }
}

/**
 * The status and plain text an error is answered with: an HttpError's own, 400 for input that
 * does not decode, else 500 (`unexpected`: to be logged).
 */
export function errorAnswer(err: unknown): { status: number; text: string; unexpected: boolean } {
  if (err instanceof HttpError)
    return { status: err.status, text: clip(err.message, MAX_ERROR_TEXT), unexpected: false };
  if (err instanceof WireError || err instanceof WireSyntaxError) {
    return { status: 400, text: clip(err.message, MAX_ERROR_TEXT), unexpected: false };
  }
  const text = err instanceof Error && err.message ? err.message : 'Internal Server Error';
  return { status: 500, text: clip(text, MAX_ERROR_TEXT), unexpected: true };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(tooLarge(limit));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const tooLarge = (limit: number) => new HttpError(413, `request body too large: the limit is ${limit} bytes`);

function send(res: http.ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.body === undefined) {
    headers['Content-Length'] = 0;
  } else {
    headers['Content-Type'] = reply.type === 'text' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
    headers['Content-Length'] = Buffer.byteLength(reply.body);
  }
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

export interface Listening {
  server: http.Server;
  /** Base URL, e.g. http://127.0.0.1:8888 (https:// with TLS) */
  url: string;
  /** Serves a new certificate and key from now on (TLS listeners only; SIGHUP). */
  setTls(tls: TlsFiles): void;
  close(): Promise<void>;
}

/** Parses `HOST:PORT` (port 0 = any free port). */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(addr);
  if (!m) throw new Error(`invalid address ${JSON.stringify(addr)}: expected HOST:PORT, e.g. 127.0.0.1:8888`);
  const host = (m[1] as string).replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return { host, port: Number(m[2]) };
}

/**
 * Serves `router` on `addr` (HOST:PORT), answering only calls that pass the access check
 * (access.ts: the Host header, and the API secret when given); over TLS with `tls` (HTTPS
 * only: a plain-HTTP call to it fails its handshake). Resolves once listening.
 */
export function listen(
  router: { readonly listener: http.RequestListener },
  addr: string,
  access: AccessOptions = {},
  tls?: TlsFiles,
): Promise<Listening> {
  const { host, port } = parseAddr(addr);
  const check = accessCheck(host, access);
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const refused = check(req.headers);
    if (refused === null) return router.listener(req, res);
    send(res, textReply(refused.status, refused.message));
    req.resume();
  };
  const server = tls
    ? https.createServer({ keepAliveTimeout: 30_000, cert: tls.cert, key: tls.key }, onRequest)
    : http.createServer({ keepAliveTimeout: 30_000 }, onRequest);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      const shownHost = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        server,
        url: `${tls ? 'https' : 'http'}://${shownHost}:${a.port}`,
        setTls(files) {
          if (!(server instanceof https.Server)) throw new Error('this listener does not speak TLS');
          server.setSecureContext({ cert: files.cert, key: files.key });
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
