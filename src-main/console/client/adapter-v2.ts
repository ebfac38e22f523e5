// The console model over an upstream v2.x Request Manager (docs/protocol/v2.md). What differs
// from 2017 and how it is mapped:
// - states: v2's 5 is RESERVED (never TIMEOUT), 7 is SUSPENDED;
// - jobs: 4-character ids with a separate `name`, kept side by side;
// - retry waits are Go durations (`"500ms"`), read as milliseconds;
// - there is no job-status endpoint: a request's job states are put together here from the
//   stored chain (every job), the latest logged try of each job, and the running list (which
//   gives a running job's try, live status and start in nanoseconds);
// - args: a request's RequestArg list, of which the caller's (required, optional) are kept.
// The chain of a request never changes and the latest tries change only when the running set,
// the finished-jobs count or the state does, so both are remembered for the requests asked
// about recently: a viewed request costs a get and a running-list read per pass.

import {
  RequestState,
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
import type { JsonObject } from '../../shared/proto';
import {
  V2_STATE,
  parseGoDuration,
  type V2JobChain,
  type V2JobLog,
  type V2JobStatus,
  type V2Request,
} from '../../shared/proto-v2';
import type { JobOutput } from '../../shared/live-output';
import type { StorageStatus } from '../../shared/storage-status';
import { callerArgValues, requestTypeFromV2 } from './request-args';
import type { JobStatuses, RmApi } from './rm-api';
import { unlessNotFound, type Transport } from './transport';
import { V2Client } from './v2-client';

/** A v2 state byte in the console's vocabulary. */
export function fromV2State(state: number): number {
  switch (state) {
    case V2_STATE.RESERVED:
      return RequestState.RESERVED;
    case V2_STATE.UNKNOWN:
    case V2_STATE.PENDING:
    case V2_STATE.RUNNING:
    case V2_STATE.COMPLETE:
    case V2_STATE.FAIL:
    case V2_STATE.STOPPED:
    case V2_STATE.SUSPENDED:
      return state;
    default:
      return RequestState.UNKNOWN;
  }
}

/** Console states a v2 server can hold (all but TIMEOUT, a 2017-only word). */
const V2_HELD = new Set<number>([0, 1, 2, 3, 4, 6, 7, 8]);

function toRmRequest(r: V2Request): RmRequest {
  return { ...requestFields(r), state: fromV2State(r.state), args: callerArgValues(r.args) };
}

function toRmJobLog(l: V2JobLog): RmJobLog {
  return { ...l, name: l.name, state: fromV2State(l.state) };
}

const nanosToMs = (ns: bigint): number | null => (ns > 0n ? Number(ns / 1_000_000n) : null);

function toRunningStatus(j: V2JobStatus): RmJobStatus {
  return {
    requestId: j.requestId,
    jobId: j.jobId,
    name: j.name,
    state: fromV2State(j.state),
    status: j.status,
    try: j.try,
    startedMs: nanosToMs(j.startedAt),
  };
}

export function chainViewFromV2(chain: V2JobChain): ChainView {
  return {
    requestId: chain.requestId,
    jobs: Object.values(chain.jobs)
      .map((j) => ({
        id: j.id,
        name: j.name,
        type: j.type,
        retry: j.retry,
        retryWait: parseGoDuration(j.retryWait) ?? 0,
        args: j.args,
      }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    adjacencyList: chain.adjacencyList,
  };
}

/** Remembered per request for a while: the requests asked about recently, oldest dropped first. */
class Recent<T> {
  private readonly items = new Map<string, T>();
  constructor(private readonly max: number) {}
  get(key: string): T | undefined {
    const v = this.items.get(key);
    if (v !== undefined) {
      this.items.delete(key);
      this.items.set(key, v);
    }
    return v;
  }
  set(key: string, value: T): void {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.max) this.items.delete(this.items.keys().next().value as string);
  }
}

interface LatestTries {
  /** What they were read under: state, finished jobs, running set. */
  key: string;
  byJob: Map<string, { state: number; try: number }>;
}

export class AdapterV2 implements RmApi {
  private readonly v2: V2Client;
  private readonly chains = new Recent<V2JobChain>(200);
  private readonly seen = new Recent<{ state: number; finishedJobs: number }>(1000);
  private readonly latest = new Recent<LatestTries>(50);

  constructor(
    readonly transport: Transport,
    readonly server: ServerInfo,
  ) {
    this.v2 = new V2Client(transport);
  }

  get shownUrl(): string {
    return this.transport.shownUrl;
  }

  async createRequest(type: string, args: JsonObject, user: string): Promise<RmRequest> {
    return this.remember(await this.v2.createRequest(type, args, user));
  }

  async getRequest(id: string): Promise<RmRequest> {
    return this.remember(await this.v2.getRequest(id));
  }

  stopRequest(id: string): Promise<void> {
    return this.v2.stopRequest(id);
  }

  async jobChain(id: string): Promise<ChainView> {
    return chainViewFromV2(await this.chainOf(id));
  }

  async jobStatuses(id: string): Promise<JobStatuses> {
    const chain = await this.chainOf(id);
    const seen = this.seen.get(id);
    const unfinished = !seen || seen.state === RequestState.PENDING || seen.state === RequestState.RUNNING;
    const running = unfinished ? await this.v2.runningJobs(id) : [];
    const key = `${seen?.state}|${seen?.finishedJobs}|${running.map((j) => `${j.jobId}#${j.try}`).join(',')}`;
    let latest = this.latest.get(id);
    let logs: RmJobLog[] | null = null;
    if (latest?.key !== key) {
      logs = await this.jobLogs(id);
      latest = { key, byJob: latestTries(logs) };
      this.latest.set(id, latest);
    }
    const runningById = new Map(running.map((j) => [j.jobId, j]));
    const statuses = Object.values(chain.jobs)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((job): RmJobStatus => {
        const run = runningById.get(job.id);
        if (run) return toRunningStatus(run);
        const last = latest.byJob.get(job.id);
        return {
          requestId: id,
          jobId: job.id,
          name: job.name,
          state: last ? last.state : RequestState.PENDING,
          status: '',
          try: last ? last.try : null,
          startedMs: null,
        };
      });
    return { statuses, logs };
  }

  async jobLogs(id: string): Promise<RmJobLog[]> {
    return (await this.v2.jobLogs(id)).map(toRmJobLog);
  }

  async jobLog(id: string, jobId: string): Promise<RmJobLog | null> {
    // v2 answers 404 for a job with no try logged yet (it is running, or never ran).
    const log = await unlessNotFound(this.v2.jobLog(id, jobId));
    return log && toRmJobLog(log);
  }

  async requestTypes(): Promise<RequestType[]> {
    return (await this.v2.requestList()).map(requestTypeFromV2);
  }

  async running(): Promise<RmRunning> {
    const running = await this.v2.running();
    return {
      requests: Object.values(running.requests ?? {}).map(toRmRequest),
      jobs: (running.jobs ?? []).map(toRunningStatus),
    };
  }

  async findRequests(query: FindQuery): Promise<FoundRequests> {
    const states = query.states?.filter((s) => V2_HELD.has(s));
    // Asked only for TIMEOUT, which a v2 server never holds: nothing can match.
    if (query.states?.length && !states?.length) return { requests: [], total: 0 };
    const found = await this.v2.findRequests({ ...query, states: states?.map(stateLabel) });
    return { requests: found.map(toRmRequest), total: null };
  }

  /** v2 has no live output: a running job's status text (the running list) is what there is. */
  jobOutput(): Promise<JobOutput | null> {
    return Promise.resolve(null);
  }

  /** v2 does not say (its RM has no such route). */
  storageStatus(): Promise<StorageStatus | null> {
    return Promise.resolve(null);
  }

  close(): void {
    this.transport.close();
  }

  private remember(r: V2Request): RmRequest {
    if (r.jobChain) this.chains.set(r.id, r.jobChain);
    const rec = toRmRequest(r);
    this.seen.set(r.id, { state: rec.state, finishedJobs: rec.finishedJobs });
    return rec;
  }

  private async chainOf(id: string): Promise<V2JobChain> {
    let chain = this.chains.get(id);
    if (!chain) {
      chain = await this.v2.jobChain(id);
      this.chains.set(id, chain);
    }
    return chain;
  }
}

/** Each job's latest try and its state. */
function latestTries(logs: readonly RmJobLog[]): Map<string, { state: number; try: number }> {
  const out = new Map<string, { state: number; try: number }>();
  for (const l of logs) {
    const had = out.get(l.jobId);
    if (!had || l.try >= had.try) out.set(l.jobId, { state: l.state, try: l.try });
  }
  return out;
}
