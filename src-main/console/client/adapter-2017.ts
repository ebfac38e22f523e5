// The console model over a 2017-protocol Request Manager: ours, or the original. States are
// the console's own values already (0–6); job ids are the only job names; runtimes come from
// the running list (seconds, counted back from when it was read); args from our RM's additive
// `args` key, when it sends one. Only ours lists its requests, and says which types the caller
// may not start (GET /api/v1/caller).

import {
  RequestState,
  chainView,
  requestFields,
  stateLabel,
  type ChainView,
  type FindQuery,
  type FoundRequests,
  type RequestType,
  type RmJobLog,
  type RmJobStatus,
  type RmRequest,
  type RmRunning,
  type ServerInfo,
} from '../../shared/console-model';
import {
  decodeList,
  decodeRequest,
  type JobLog,
  type JobStatus,
  type JsonObject,
  type Request,
} from '../../shared/proto';
import { CALLER_INFO_PATH, decodeCallerInfo } from '../../shared/caller-info';
import type { JobOutput, OutputQuery } from '../../shared/live-output';
import type { StorageStatus } from '../../shared/storage-status';
import { findQuery } from './v2-client';
import { additiveArgs, callerArgValues, requestTypeFrom2017 } from './request-args';
import type { JobStatuses, RmApi } from './rm-api';
import { RmClient } from './rm-client';
import { RmClientError, segment, unlessNotFound, type Transport } from './transport';

/** A 2017 request and the additive args our RM puts beside it. */
function decodeRequestAndArgs(v: unknown, path = 'Request'): RmRequest {
  return toRmRequest(decodeRequest(v, path), callerArgValues(additiveArgs(v, path)));
}

function toRmRequest(r: Request, args: JsonObject | null): RmRequest {
  return { ...requestFields(r), args };
}

function toRmJobLog(l: JobLog): RmJobLog {
  return { ...l, name: null };
}

/**
 * A 2017 job status. Only the running list says how long a job has run (seconds, counted back
 * from `readMs`, when the answer arrived); a request's own statuses carry runtime 0.
 */
function toRmJobStatus(s: JobStatus, readMs: number | null): RmJobStatus {
  return {
    requestId: s.requestId,
    jobId: s.jobId,
    name: null,
    state: s.state,
    status: s.status,
    try: null,
    startedMs: readMs !== null && s.state === RequestState.RUNNING && s.runtime >= 0 ? readMs - s.runtime * 1000 : null,
  };
}

/** States a 2017 server can hold (0–6), sent by its names (TIMEOUT for 5). */
const STATES_2017 = new Set<number>([0, 1, 2, 3, 4, 5, 6]);

export class Adapter2017 implements RmApi {
  readonly rm: RmClient;

  constructor(
    readonly transport: Transport,
    readonly server: ServerInfo,
  ) {
    this.rm = new RmClient({ transport });
  }

  get shownUrl(): string {
    return this.transport.shownUrl;
  }

  createRequest(type: string, args: JsonObject, user: string): Promise<RmRequest> {
    return this.rm.createRequest(type, args, user).then((r) => toRmRequest(r, args));
  }

  getRequest(id: string): Promise<RmRequest> {
    return this.transport.call('GET', `/api/v1/requests/${segment(id)}`, {
      decode: (v) => decodeRequestAndArgs(v),
      object: 'a request',
    });
  }

  stopRequest(id: string): Promise<void> {
    return this.rm.stopRequest(id);
  }

  async jobChain(id: string): Promise<ChainView> {
    return chainView(await this.rm.jobChain(id));
  }

  async jobStatuses(id: string): Promise<JobStatuses> {
    const status = await this.rm.requestStatus(id);
    return { statuses: (status.jobChainStatus.jobStatuses ?? []).map((s) => toRmJobStatus(s, null)), logs: null };
  }

  async jobLogs(id: string): Promise<RmJobLog[]> {
    return (await this.rm.jobLogs(id)).map(toRmJobLog);
  }

  async jobLog(id: string, jobId: string): Promise<RmJobLog | null> {
    const log = await unlessNotFound(this.rm.jobLog(id, jobId));
    return log && toRmJobLog(log);
  }

  async requestTypes(): Promise<RequestType[]> {
    const [list, caller] = await Promise.all([
      this.rm.requestList(),
      // Ours says what the caller may start; an RM of ours from before says nothing (404).
      this.server.canFind
        ? unlessNotFound(this.transport.call('GET', CALLER_INFO_PATH, { decode: decodeCallerInfo, object: 'a caller' }))
        : null,
    ]);
    const refused = new Map(caller?.requestTypes.map((t) => [t.name, t.refused.start]));
    return list.map((spec) => {
      const type = requestTypeFrom2017(spec);
      const why = refused.get(type.name);
      return why === undefined ? type : { ...type, startRefused: why };
    });
  }

  async running(): Promise<RmRunning> {
    const running = await this.rm.running();
    const readMs = Date.now();
    return {
      requests: Object.values(running.requests ?? {}).map((r) => toRmRequest(r, null)),
      jobs: (running.jobs ?? []).map((j) => toRmJobStatus(j, readMs)),
    };
  }

  async findRequests(query: FindQuery): Promise<FoundRequests> {
    if (!this.server.canFind) {
      throw new RmClientError(
        `${this.shownUrl} cannot list its requests (a 2017-protocol server without GET /api/v1/requests): ` +
          'only the requests this console created, saw running or opened by id are known',
        'unsupported',
        this.shownUrl,
      );
    }
    const states = query.states?.filter((s) => STATES_2017.has(s));
    // Asked only for states a 2017 server never holds (SUSPENDED): nothing can match.
    if (query.states?.length && !states?.length) return { requests: [], total: 0 };
    const filter = { ...query, states: states?.map(stateLabel) };
    const { value, headers } = await this.transport.callReply('GET', `/api/v1/requests${findQuery(filter)}`, {
      decode: (v) => decodeList(v, '[]Request', decodeRequestAndArgs) ?? [],
    });
    // Ours says how many match in all (docs/protocol/extensions.md).
    const total = Number(headers['x-total-count']);
    return { requests: value, total: Number.isSafeInteger(total) && total >= 0 ? total : null };
  }

  /** Ours answers; the original has no such route (null). */
  jobOutput(id: string, jobId: string, query: OutputQuery): Promise<JobOutput | null> {
    return this.rm.jobOutput(id, jobId, query);
  }

  storageStatus(): Promise<StorageStatus | null> {
    return this.rm.storageStatus();
  }

  close(): void {
    this.transport.close();
  }
}
