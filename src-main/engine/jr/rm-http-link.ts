// RequestManagerLink over HTTP: how a stand-alone Job Runner reaches the Request Manager
// (docs/protocol/wire.md R8 `POST /api/v1/requests/:id/log` expecting 201, R4
// `PUT /api/v1/requests/:id/finish` expecting 200). node:http(s) with a keep-alive Agent and
// a bounded number of sockets (calls beyond it wait in the agent's queue), so the many job logs
// a chain has in flight at once (log-delivery.ts) reuse a few warm connections. Every call has
// a timeout (no answer within timeoutMs once it has a socket). Failures are LinkErrors with the
// original client's text (`unsuccessful status code: <n> (response body: <body>)`) and the
// status, which the log delivery uses to decide whether retrying can help.
// Ours beyond the 2017 protocol (links.ts): the epoch header, suspend (a JR handing back), and
// several job logs in one call (log-batch-wire.ts). An RM that answers the batch route 404 or
// 405 (the original) is remembered as one without it: the delivery posts each log on R8.

import http from 'node:http';
import https from 'node:https';
import {
  WireError,
  WireSyntaxError,
  encodeFinishRequestParams,
  encodeJobLog,
  parseWire,
  type JobLog,
  type State,
} from '../../shared/proto';
import { PEER_SECRET_HEADER } from '../http/peer-only';
import { LinkError, type RequestManagerLink } from '../links';
import type { Logger } from '../log';
import { decodeLogOutcomes, encodeJobLogBatch, jobLogBatchPath } from '../log-batch-wire';
import { epochHeader } from '../ownership';

export interface RequestManagerHttpLinkOptions {
  /** Per call, from the moment it has a socket (default 10 s). */
  timeoutMs?: number;
  /** Most connections open to the RM at once (default 32). */
  maxSockets?: number;
  /** TLS options for an https RM URL (ca, cert, key, rejectUnauthorized, ...). */
  tls?: https.AgentOptions;
  /** Sent with every call when set (the RM's --peer-token-file). */
  peerSecret?: string;
  /** Told once when the RM turns out to have no batch route. */
  logger?: Logger;
}

export const DEFAULT_RM_TIMEOUT_MS = 10_000;
export const DEFAULT_RM_MAX_SOCKETS = 32;

const JSON_TYPE = 'application/json';

export class RequestManagerHttpLink implements RequestManagerLink {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly hostname: string;
  private readonly port: number;
  private readonly pathPrefix: string;
  private readonly secretHeader: Record<string, string>;
  private readonly logger: Logger | undefined;
  /** False once the RM answered the batch route 404 or 405. */
  private batchRoute = true;

  constructor(baseUrl: string, options: RequestManagerHttpLinkOptions = {}) {
    this.secretHeader = options.peerSecret === undefined ? {} : { [PEER_SECRET_HEADER]: options.peerSecret };
    this.logger = options.logger;
    this.base = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RM_TIMEOUT_MS;
    const url = new URL(this.base);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new Error(`unsupported request manager URL: ${baseUrl}`);
    // URL keeps IPv6 literals bracketed; the socket wants the bare address.
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = url.port ? Number(url.port) : secure ? 443 : 80;
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    const agentOptions: http.AgentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets ?? DEFAULT_RM_MAX_SOCKETS,
      maxFreeSockets: options.maxSockets ?? DEFAULT_RM_MAX_SOCKETS,
      scheduling: 'lifo',
    };
    this.agent = secure ? new https.Agent({ ...options.tls, ...agentOptions }) : new http.Agent(agentOptions);
    this.request = secure ? https.request : http.request;
  }

  /** The RM's base URL. */
  get url(): string {
    return this.base;
  }

  async createJobLog(requestId: string, log: JobLog, epoch?: number): Promise<void> {
    const path = `/api/v1/requests/${encodeURIComponent(requestId)}/log`;
    await this.call('POST', path, encodeJobLog(log), 201, epoch);
  }

  async createJobLogs(
    requestId: string,
    logs: readonly JobLog[],
    epoch?: number,
  ): Promise<Array<LinkError | null> | null> {
    if (!this.batchRoute) return null;
    const path = jobLogBatchPath(requestId);
    let answer: string;
    try {
      answer = await this.call('POST', path, encodeJobLogBatch(logs), 200, epoch, true);
    } catch (err) {
      if (!(err instanceof LinkError && (err.status === 404 || err.status === 405))) throw err;
      if (this.batchRoute) {
        this.batchRoute = false;
        this.logger?.info('the request manager has no job-log batch route; posting each job log on its own', {
          rm: this.base,
          status: err.status,
        });
      }
      return null;
    }
    return this.outcomes(path, answer, logs.length);
  }

  /** Each log's outcome from a batch answer; an answer that does not say is a LinkError (as if unanswered). */
  private outcomes(path: string, answer: string, count: number): Array<LinkError | null> {
    try {
      return decodeLogOutcomes(parseWire(answer), count).map((o) =>
        o.status === 201
          ? null
          : new LinkError(`unsuccessful status code: ${o.status} (response body: ${o.error ?? ''})`, o.status),
      );
    } catch (err) {
      if (!(err instanceof WireError || err instanceof WireSyntaxError)) throw err;
      throw new LinkError(`POST ${this.base}${path}: an answer that is not one outcome per job log: ${err.message}`);
    }
  }

  async finishRequest(requestId: string, state: State, epoch?: number): Promise<void> {
    const path = `/api/v1/requests/${encodeURIComponent(requestId)}/finish`;
    await this.call('PUT', path, encodeFinishRequestParams({ State: state }), 200, epoch);
  }

  async suspendRequest(requestId: string, epoch: number): Promise<void> {
    await this.call('PUT', `/api/v1/requests/${encodeURIComponent(requestId)}/suspend`, '', 200, epoch);
  }

  /** Closes the pooled connections (calls still in flight fail). */
  close(): void {
    this.agent.destroy();
  }

  /** Resolves with the answer's body when `wantBody`, else '' (the body is drained unread). */
  private call(
    method: string,
    path: string,
    body: string,
    expected: number,
    epoch?: number,
    wantBody = false,
  ): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const fail = (what: string, err: unknown): void =>
        reject(new LinkError(`${method} ${this.base}${path}: ${what}${describeError(err)}`));
      const req = this.request(
        {
          agent: this.agent,
          hostname: this.hostname,
          port: this.port,
          method,
          path: this.pathPrefix + path,
          headers: {
            'Content-Type': JSON_TYPE,
            'Content-Length': Buffer.byteLength(body),
            ...this.secretHeader,
            ...epochHeader(epoch),
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status === expected && !wantBody) {
            // Success: the body (R8 echoes the log) is not needed; drain it so the
            // connection can be reused.
            res.resume();
            resolve('');
            return;
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('error', (err) => fail('reading the response: ', err));
          res.on('close', () => {
            if (!res.complete) fail('reading the response: ', new Error('connection closed before the end'));
          });
          res.on('end', () =>
            status === expected
              ? resolve(text)
              : reject(new LinkError(`unsuccessful status code: ${status} (response body: ${text})`, status)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs}ms`)));
      // Errors after the promise settled (e.g. a drained body cut short) change nothing.
      req.on('error', (err) => fail('', err));
      req.end(body);
    });
  }
}

/** An error's message, with its code when the message does not already say it (`ECONNREFUSED`). */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
