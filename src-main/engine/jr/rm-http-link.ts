// RequestManagerLink over HTTP: how a stand-alone Job Runner reaches the Request Manager
// (protocol.md R8 `POST /api/v1/requests/:id/log` expecting 201, R4
// `PUT /api/v1/requests/:id/finish` expecting 200). Global fetch keeps connections alive;
// every call has a timeout. Failures are LinkErrors with the original client's text
// (`unsuccessful status code: <n> (response body: <body>)`) and the status, which the log
// delivery uses to decide whether retrying can help.

import { encodeFinishRequestParams, encodeJobLog, type JobLog, type State } from '../../shared/proto';
import { LinkError, type RequestManagerLink } from '../links';

export interface RequestManagerHttpLinkOptions {
  /** Per call (default 10 s). */
  timeoutMs?: number;
}

export const DEFAULT_RM_TIMEOUT_MS = 10_000;

export class RequestManagerHttpLink implements RequestManagerLink {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: RequestManagerHttpLinkOptions = {}) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RM_TIMEOUT_MS;
  }

  createJobLog(requestId: string, log: JobLog): Promise<void> {
    return this.call('POST', `/api/v1/requests/${encodeURIComponent(requestId)}/log`, encodeJobLog(log), 201);
  }

  finishRequest(requestId: string, state: State): Promise<void> {
    return this.call(
      'PUT',
      `/api/v1/requests/${encodeURIComponent(requestId)}/finish`,
      encodeFinishRequestParams({ State: state }),
      200,
    );
  }

  private async call(method: string, path: string, body: string, expected: number): Promise<void> {
    const url = `${this.base}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'Content-Type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new LinkError(`${method} ${url}: ${describeFetchError(err, this.timeoutMs)}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new LinkError(`${method} ${url}: reading the response: ${describeFetchError(err, this.timeoutMs)}`);
    }
    if (res.status !== expected) {
      throw new LinkError(`unsuccessful status code: ${res.status} (response body: ${text})`, res.status);
    }
  }
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs}ms`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const base = err instanceof Error ? err.message : String(err);
  return cause?.code ? `${base} (${cause.code})` : cause?.message ? `${base}: ${cause.message}` : base;
}
