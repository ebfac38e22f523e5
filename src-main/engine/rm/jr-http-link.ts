// JobRunnerLink over HTTP: the RM's client of a Job Runner's API (docs/protocol/wire.md §5),
// ours or the original. undici's fetch with an Agent per link (connections kept alive; for an
// https:// JR, the CAs of --ca when given), a timeout per call, and errors as the original
// client words them: `unsuccessful status code: <n> (response body: <body>)`
// with the status kept in LinkError.status; no status when the JR could not be reached.
// A call whose kept-alive connection turns out to be closed by the JR (it restarted: undici's
// "other side closed", or a reset) is sent once more on a fresh connection: the JR never saw
// it, so even a create is safe to resend.
// Ours beyond the 2017 protocol (links.ts): the epoch header on J1, resume, describe, live output.

import { Agent, fetch, type Response } from 'undici';
import { PEER_SECRET_HEADER } from '../http/peer-only';
import { TRAVERSER_NOT_FOUND } from '../jr/job-runner';
import {
  chainOutputPath,
  decodeJobOutput,
  outputQueryString,
  type JobOutput,
  type OutputQuery,
} from '../../shared/live-output';
import { JOB_NOT_RUNNING, LinkError, type JobRunnerLink, type ResumedChain, type RunnerInfo } from '../links';
import { epochHeader } from '../ownership';
import {
  decodeJobChainStatus,
  decodeJobStatusList,
  encodeJobChain,
  parseWire,
  type JobChain,
  type JobChainStatus,
  type JobStatus,
} from '../../shared/proto';
import { decodeRunnerInfo, encodeResumedChain } from '../jr/cluster-wire';

/** Our JR's 404 texts for "no such running try" (any other 404 is a JR without the endpoint). */
const NOT_RUNNING = [JOB_NOT_RUNNING, TRAVERSER_NOT_FOUND];

export interface HttpLinkOptions {
  /** Per-call timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Sent with every call when set (the JR's --peer-token-file). */
  peerSecret?: string;
  /** PEM: the certificate authorities an https:// JR's certificate must come from (--ca). */
  ca?: string;
}

export class JobRunnerHttpLink implements JobRunnerLink {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly dispatcher: Agent;

  constructor(baseUrl: string, opts: HttpLinkOptions = {}) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.dispatcher = new Agent(opts.ca === undefined ? {} : { connect: { ca: opts.ca } });
    // The original client sends Content-Type on every call, bodiless ones included.
    this.headers = {
      'Content-Type': 'application/json',
      ...(opts.peerSecret === undefined ? {} : { [PEER_SECRET_HEADER]: opts.peerSecret }),
    };
  }

  async createJobChain(chain: JobChain, epoch?: number, encoded?: string): Promise<void> {
    await this.call('POST', '/api/v1/job-chains', encoded ?? encodeJobChain(chain), epochHeader(epoch));
  }

  async resumeJobChain(resumed: ResumedChain): Promise<void> {
    await this.call('POST', '/api/v1/job-chains/resume', encodeResumedChain(resumed), epochHeader(resumed.epoch));
  }

  async describe(): Promise<RunnerInfo> {
    return decodeRunnerInfo(parseWire(await this.call('GET', '/api/v1/job-runner')));
  }

  async stopJobChain(requestId: string): Promise<void> {
    await this.call('PUT', `/api/v1/job-chains/${encodeURIComponent(requestId)}/stop`);
  }

  async jobChainStatus(requestId: string): Promise<JobChainStatus> {
    const text = await this.call('GET', `/api/v1/job-chains/${encodeURIComponent(requestId)}/status`);
    return decodeJobChainStatus(parseWire(text));
  }

  async runningStatus(): Promise<JobStatus[]> {
    return decodeJobStatusList(parseWire(await this.call('GET', '/api/v1/status/running')));
  }

  /** Ours: null when the JR runs no such try (404 with its texts); an original JR's 404/405 throws. */
  async jobOutput(requestId: string, jobId: string, query: OutputQuery): Promise<JobOutput | null> {
    try {
      const text = await this.call('GET', `${chainOutputPath(requestId, jobId)}?${outputQueryString(query)}`);
      return decodeJobOutput(parseWire(text));
    } catch (err) {
      if (
        err instanceof LinkError &&
        err.status === 404 &&
        NOT_RUNNING.some((t) => err.message.endsWith(`(response body: ${t})`))
      ) {
        return null;
      }
      throw err;
    }
  }

  /** One call; resolves with the body text of a 200, throws LinkError otherwise. */
  private async call(method: string, path: string, body?: string, extra?: Record<string, string>): Promise<string> {
    const url = `${this.base}${path}`;
    const headers = extra ? { ...this.headers, ...extra } : this.headers;
    const send = () =>
      fetch(url, {
        method,
        headers,
        dispatcher: this.dispatcher,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    let res: Response;
    try {
      res = await send().catch((err: unknown) => {
        if (isStaleConnection(err)) return send();
        throw err;
      });
    } catch (err) {
      throw new LinkError(`${method} ${url}: ${causeOf(err)}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new LinkError(`${method} ${url}: reading the response: ${causeOf(err)}`);
    }
    if (res.status !== 200)
      throw new LinkError(`unsuccessful status code: ${res.status} (response body: ${text})`, res.status);
    return text;
  }
}

/** The connection fetch reused was already closed by the other side (before any answer). */
function isStaleConnection(err: unknown): boolean {
  const code = ((err as { cause?: { code?: unknown } } | null)?.cause?.code ?? '') as string;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}

/** fetch's TypeError says only "fetch failed"; the reason (ECONNREFUSED, timeout) is its cause. */
function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'timed out';
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message || ((cause as Error & { code?: string }).code ?? err.message);
  return err.message;
}
