// A typed client for the endpoints of an upstream v2.x Request Manager that an operator's
// console uses (docs/protocol/v2.md §5-7), over the shared transport. Its JSON errors become
// the error's message (their `message`).

import { encodeCreateRequestParams, type JsonObject } from '../../shared/proto';
import {
  decodeV2JobChain,
  decodeV2JobLog,
  decodeV2JobLogs,
  decodeV2Request,
  decodeV2RequestSpecs,
  decodeV2Requests,
  decodeV2RunningStatus,
  type V2JobChain,
  type V2JobLog,
  type V2JobStatus,
  type V2Request,
  type V2RequestSpec,
  type V2RunningStatus,
} from '../../shared/proto-v2';
import { segment as id, type Transport } from './transport';

/** `GET /api/v1/requests` filters, as v2 takes them (states by name: `COMPLETE`). */
export interface V2FindFilter {
  type?: string | undefined;
  states?: readonly string[] | undefined;
  user?: string | undefined;
  args?: ReadonlyArray<readonly [string, string]> | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** The query string of a find, in v2's own parameter names. */
export function findQuery(f: V2FindFilter): string {
  const q = new URLSearchParams();
  if (f.type) q.append('type', f.type);
  for (const s of f.states ?? []) q.append('state', s);
  if (f.user !== undefined && f.user !== '') q.append('user', f.user);
  for (const [k, v] of f.args ?? []) q.append('arg', `${k}=${v}`);
  if (f.since) q.append('since', f.since);
  if (f.until) q.append('until', f.until);
  if (f.limit !== undefined) q.append('limit', String(f.limit));
  if (f.offset !== undefined) q.append('offset', String(f.offset));
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}

export class V2Client {
  constructor(readonly transport: Transport) {}

  /** Create (and start) a request. v2 answers before it starts: PENDING, no startedAt. */
  createRequest(type: string, args: JsonObject, user = ''): Promise<V2Request> {
    const body = encodeCreateRequestParams({ Type: type, Args: args, User: user });
    return this.transport.call('POST', '/api/v1/requests', {
      body,
      expect: 201,
      decode: decodeV2Request,
      object: 'a request',
    });
  }

  /** A request with its args, its (stored) chain and its JR. */
  getRequest(requestId: string): Promise<V2Request> {
    return this.transport.call('GET', `/api/v1/requests/${id(requestId)}`, {
      decode: decodeV2Request,
      object: 'a request',
    });
  }

  /** Requests matching the filter, newest first. */
  findRequests(filter: V2FindFilter): Promise<V2Request[]> {
    return this.transport.call('GET', `/api/v1/requests${findQuery(filter)}`, { decode: decodeV2Requests });
  }

  async stopRequest(requestId: string): Promise<void> {
    await this.transport.call('PUT', `/api/v1/requests/${id(requestId)}/stop`);
  }

  /** The stored chain: every job's state stays 1 in it. */
  jobChain(requestId: string): Promise<V2JobChain> {
    return this.transport.call('GET', `/api/v1/requests/${id(requestId)}/job-chain`, {
      decode: decodeV2JobChain,
      object: 'a job chain',
    });
  }

  /** Every try of every job, by job id then try. */
  jobLogs(requestId: string): Promise<V2JobLog[]> {
    return this.transport.call('GET', `/api/v1/requests/${id(requestId)}/log`, { decode: decodeV2JobLogs });
  }

  /** The latest try of one job; a 404 when it has none. */
  jobLog(requestId: string, jobId: string): Promise<V2JobLog> {
    return this.transport.call('GET', `/api/v1/requests/${id(requestId)}/log/${id(jobId)}`, {
      decode: decodeV2JobLog,
      object: 'a job log',
    });
  }

  requestList(): Promise<V2RequestSpec[]> {
    return this.transport.call('GET', '/api/v1/request-list', { decode: decodeV2RequestSpecs });
  }

  /** Every running job and the requests they belong to. */
  running(): Promise<V2RunningStatus> {
    return this.transport.call('GET', '/api/v1/status/running', { decode: decodeV2RunningStatus });
  }

  /** One request's running jobs, oldest start first. */
  async runningJobs(requestId: string): Promise<V2JobStatus[]> {
    const query = `requestId=${encodeURIComponent(requestId)}&orderBy=startTime`;
    const status = await this.transport.call('GET', `/api/v1/status/running?${query}`, {
      decode: decodeV2RunningStatus,
    });
    return (status.jobs ?? []).filter((j) => j.requestId === requestId);
  }
}
