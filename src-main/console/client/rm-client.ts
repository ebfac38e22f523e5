// A typed client for every endpoint of a 2017-protocol Request Manager (docs/protocol/wire.md
// §4), ours and the original alike, over the shared transport (timeouts, retries, credentials,
// no redirects, capped answers). The server's plain-text error body becomes the error's message
// (cut to a readable length); an empty or `null` answer where a request, chain, log or status is
// due is an error, not a zero value.

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
  type JobChain,
  type JobLog,
  type JsonObject,
  type Request,
  type RequestSpec,
  type RequestStatus,
  type RunningStatus,
  type State,
} from '../../shared/proto';
import {
  decodeJobOutput,
  outputQueryString,
  requestOutputPath,
  type JobOutput,
  type OutputQuery,
} from '../../shared/live-output';
import { STORAGE_STATUS_PATH, decodeStorageStatus, type StorageStatus } from '../../shared/storage-status';
import { RmClientError, Transport, segment, unlessNotFound, type TransportOptions } from './transport';

export { RmClientError, checkRmUrl, redactUrl, type RmErrorKind } from './transport';

export type RmClientOptions = TransportOptions;

export class RmClient {
  readonly transport: Transport;

  /** Over its own transport, or over one shared with another client of the same server. */
  constructor(options: RmClientOptions | { transport: Transport }) {
    this.transport = 'transport' in options ? options.transport : new Transport(options);
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
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

  /** Whether the RM can write its database (ours only); null from an RM without the route (404). */
  storageStatus(): Promise<StorageStatus | null> {
    return unlessNotFound(this.get(STORAGE_STATUS_PATH, decodeStorageStatus));
  }

  /**
   * A job's output from the byte offsets asked for (ours only, docs/protocol/extensions.md):
   * the running try's, then its log's. Null from an RM without the route (404 other than
   * `request not found`, or 405: the original).
   */
  async jobOutput(requestId: string, jobId: string, query: OutputQuery): Promise<JobOutput | null> {
    try {
      return await this.get(`${requestOutputPath(requestId, jobId)}?${outputQueryString(query)}`, decodeJobOutput);
    } catch (err) {
      const missing =
        err instanceof RmClientError &&
        err.kind === 'http' &&
        (err.status === 405 || (err.status === 404 && err.message !== 'request not found'));
      if (missing) return null;
      throw err;
    }
  }

  // ---- transport ----

  private get<T>(path: string, decode: (v: unknown) => T): Promise<T> {
    return this.transport.call('GET', path, { decode, object: OBJECTS.get(decode) });
  }

  /** Sends one call; returns the decoded body (undefined without a decoder). */
  private call<T = void>(
    method: string,
    path: string,
    body?: string,
    expect = 200,
    decode?: (v: unknown) => T,
  ): Promise<T> {
    return this.transport.call(method, path, { body, expect, decode, object: decode && OBJECTS.get(decode) });
  }
}

/** Answers that are one object: an empty or `null` one is refused, not read as a zero value. */
const OBJECTS = new Map<unknown, string>([
  [decodeRequest, 'a request'],
  [decodeRequestStatus, 'a request status'],
  [decodeJobChain, 'a job chain'],
  [decodeJobLog, 'a job log'],
  [decodeRunningStatus, 'the running status'],
  [decodeStorageStatus, 'the storage status'],
  [decodeJobOutput, 'a job output'],
]);

/** A path segment: '@' and ':' are legal there, and job ids (`name@n`) are sent as the original's clients send them. */
const id = segment;
