// Test doubles for the RM's unit tests: a scriptable job runner (JobRunnerLink) and a chain
// builder with two tiny request types. Not used outside tests.

import { HttpError } from '../http/server';
import { LinkError, type JobRunnerLink } from '../links';
import type { JobChain, JobChainStatus, JobStatus, JsonObject, RequestSpec } from '../../shared/proto';
import type { ChainBuilder } from './chain-builder';

const job = (id: string, type: string) => ({
  id,
  type,
  bytes: null,
  state: 0,
  args: null,
  data: null,
  retry: 0,
  retryWait: 0,
});

/** `hello` (no args): start@1 -> hello@3 -> end@2; `greet` needs `msg`. */
export class FakeChainBuilder implements ChainBuilder {
  async buildChain(type: string, args: JsonObject, requestId: string): Promise<JobChain> {
    if (type !== 'hello' && type !== 'greet') throw new HttpError(400, `cannot find definition for request: ${type}`);
    if (type === 'greet' && args.msg === undefined) throw new HttpError(400, 'sequence greet missing arg msg');
    const start = `sequence_${type}_start@1`;
    const end = `sequence_${type}_end@2`;
    const work = `${type}@3`;
    return {
      requestId,
      jobs: { [start]: job(start, 'noop'), [end]: job(end, 'noop'), [work]: job(work, 'shell') },
      adjacencyList: { [start]: [work], [work]: [end] },
      state: 1,
    };
  }

  requestList(): RequestSpec[] {
    return [
      { Name: 'greet', Args: [{ Name: 'msg', Desc: 'what to say', Required: true, Default: '' }] },
      { Name: 'hello', Args: [] },
    ];
  }
}

/** A JR that records calls; each behaviour can be replaced by a test. */
export class FakeJobRunner implements JobRunnerLink {
  chains = new Map<string, JobChain>();
  stopped: string[] = [];
  live = new Map<string, JobStatus[]>();
  running: JobStatus[] = [];
  failCreate: LinkError | undefined;
  failStop: LinkError | undefined;
  failStatus: LinkError | undefined;
  /** Called on stop (e.g. to finish the request STOPPED as our JR does). */
  onStop: ((requestId: string) => void) | undefined;

  async createJobChain(chain: JobChain): Promise<void> {
    if (this.failCreate) throw this.failCreate;
    this.chains.set(chain.requestId, chain);
  }

  async stopJobChain(requestId: string): Promise<void> {
    if (this.failStop) throw this.failStop;
    if (!this.chains.has(requestId))
      throw new LinkError('unsuccessful status code: 404 (response body: traverser not found)', 404);
    this.stopped.push(requestId);
    this.chains.delete(requestId);
    this.onStop?.(requestId);
  }

  async jobChainStatus(requestId: string): Promise<JobChainStatus> {
    if (this.failStatus) throw this.failStatus;
    if (!this.chains.has(requestId))
      throw new LinkError('unsuccessful status code: 404 (response body: traverser not found)', 404);
    return { requestId, jobStatuses: this.live.get(requestId) ?? null };
  }

  async runningStatus(): Promise<JobStatus[]> {
    if (this.failStatus) throw this.failStatus;
    return this.running;
  }
}

export const unreachable = () => new LinkError('PUT http://127.0.0.1:9/api/v1/x: connect ECONNREFUSED 127.0.0.1:9');
