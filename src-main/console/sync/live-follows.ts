// The jobs the console follows live: one JobFollower per job, shared by every view that shows
// it, stopped when the last one lets go.

import { liveStateWithout, type LiveOutputState } from '../../shared/console-model';
import type { ContractEvents } from '../../shared/ipc';
import type { RemoteCache } from '../cache-api';
import { JobFollower, type OutputSource } from './job-follower';

export type LiveEmit = <E extends 'liveOutput' | 'requestUpdated'>(event: E, payload: ContractEvents[E]) => void;

const key = (context: string, requestId: string, jobId: string) => `${context}\u0000${requestId}\u0000${jobId}`;

export class LiveFollows {
  private readonly follows = new Map<string, { follower: JobFollower; context: string; holders: number }>();

  constructor(
    private readonly cache: RemoteCache,
    private readonly emit: LiveEmit,
    private readonly intervalMs?: number,
  ) {}

  /**
   * Follows a job (another holder of it, if it is followed already) and says where it stands.
   * Without a client (offline context, an ended or imported request) nothing is asked: what
   * was followed before is what there is.
   */
  async follow(
    context: string,
    client: OutputSource | null,
    requestId: string,
    jobId: string,
  ): Promise<LiveOutputState> {
    const k = key(context, requestId, jobId);
    const held = this.follows.get(k);
    if (held) {
      held.holders++;
      return held.follower.current;
    }
    if (!client) {
      return (
        (await this.cache.live.latest(context, requestId, jobId)) ?? liveStateWithout(context, requestId, jobId, {})
      );
    }
    const follower = new JobFollower(
      {
        context,
        client,
        cache: this.cache,
        announce: (state) => this.emit('liveOutput', state),
        tryEnded: (id, job, tryN) => this.cacheLog(context, client, id, job, tryN),
        ...(this.intervalMs === undefined ? {} : { intervalMs: this.intervalMs }),
      },
      requestId,
      jobId,
    );
    this.follows.set(k, { follower, context, holders: 1 });
    return follower.start();
  }

  /** One holder lets go; the last one stops the follower. */
  unfollow(context: string, requestId: string, jobId: string): void {
    const k = key(context, requestId, jobId);
    const held = this.follows.get(k);
    if (!held || --held.holders > 0) return;
    held.follower.stop();
    this.follows.delete(k);
  }

  /** Stops following anything of a context (edited, removed). */
  stopContext(context: string): void {
    for (const [k, held] of this.follows) {
      if (held.context !== context) continue;
      held.follower.stop();
      this.follows.delete(k);
    }
  }

  stopAll(): void {
    for (const held of this.follows.values()) held.follower.stop();
    this.follows.clear();
  }

  /** A followed try ended: its log goes into the cache (the job's logs, if it has moved on). */
  private async cacheLog(context: string, client: OutputSource, requestId: string, jobId: string, tryN: number) {
    const latest = await client.jobLog(requestId, jobId);
    const logs = latest?.try === tryN ? [latest] : (await client.jobLogs(requestId)).filter((l) => l.jobId === jobId);
    if ((await this.cache.logs.put(context, logs)) > 0)
      this.emit('requestUpdated', { context, requestId, parts: ['logs'] });
  }
}
