// Follows one job's live output for the console (docs/console.md "Following a running job"):
// asks the Request Manager for what the job's running try printed since the last answer (every
// FOLLOW_MS, and again at once while more is waiting), stores it in the cache (LiveOutputs) and
// announces where the try stands. When a try ends, its log is cached (then the log is what is
// read: the same text, and the rest), and the job's next try, if it retries, is followed in turn.
// A server without the endpoint (the 2017 original, v2) is said once: the output then comes with
// the log, and the job's status text (synced with its statuses) tells what it does meanwhile.
// Unreachable, it tries again less and less often; what was read stays readable from the cache.

import { liveStateWithout, type LiveOutputState } from '../../shared/console-model';
import { DEFAULT_OUTPUT_MAX, type JobOutput, type OutputQuery } from '../../shared/live-output';
import { STATE_COMPLETE, STATE_FAIL, STATE_STOPPED, STATE_TIMEOUT, type State } from '../../shared/proto';
import type { RemoteCache } from '../cache-api';
import type { RmApi } from '../client/rm-api';

/** Between two reads while nothing more is waiting: new lines show within about this long. */
export const FOLLOW_MS = 300;
/** Longest wait between reads while the RM does not answer. */
const MAX_BACKOFF_MS = 5000;

const ENDED = new Set<State>([STATE_COMPLETE, STATE_FAIL, STATE_TIMEOUT, STATE_STOPPED]);

/** What a follower asks of the context's server (its Connection, whatever protocol it speaks). */
export type OutputSource = Pick<RmApi, 'jobOutput' | 'jobLog' | 'jobLogs'>;

export interface FollowerDeps {
  context: string;
  client: OutputSource;
  cache: RemoteCache;
  /** Where the followed try stands (after every answer that changed it). */
  announce(state: LiveOutputState): void;
  /** A try ended: its log is cached now if the RM has it (the request's logs changed). */
  tryEnded(requestId: string, jobId: string, tryN: number): Promise<void>;
  intervalMs?: number;
}

export class JobFollower {
  private state: LiveOutputState;
  /** The try being read; 0 while looking for one. */
  private following = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly deps: FollowerDeps,
    readonly requestId: string,
    readonly jobId: string,
  ) {
    this.state = liveStateWithout(deps.context, requestId, jobId, {});
  }

  get current(): LiveOutputState {
    return this.state;
  }

  /** Starts from what the cache holds of the job's last followed try; resolves with where it stands. */
  async start(): Promise<LiveOutputState> {
    const seen = await this.deps.cache.live.latest(this.deps.context, this.requestId, this.jobId);
    if (seen) this.state = seen;
    if (seen && !seen.done) this.following = seen.try;
    this.schedule(0);
    return this.state;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.poll();
    }, ms);
  }

  private async poll(): Promise<void> {
    const interval = this.deps.intervalMs ?? FOLLOW_MS;
    let out: JobOutput | null;
    const query = await this.query();
    try {
      out = await this.deps.client.jobOutput(this.requestId, this.jobId, query);
    } catch (err) {
      if (this.stopped) return;
      this.failures++;
      this.publish({ ...this.state, error: (err as Error).message });
      return this.schedule(Math.min(interval * 2 ** this.failures, MAX_BACKOFF_MS));
    }
    if (this.stopped) return;
    this.failures = 0;
    if (out === null) {
      // The server has no such endpoint: its answer will not change.
      return this.publish({ ...this.state, source: 'status-only', error: null });
    }
    const more = await this.take(out, query.try === undefined);
    if (this.stopped) return;
    if (out.done && this.following === 0 && (await this.nothingMoreToCome())) return this.stop();
    this.schedule(more ? 0 : interval);
  }

  /** The request has ended, or the job has (it is neither pending nor running, as last synced). */
  private async nothingMoreToCome(): Promise<boolean> {
    const { cache, context } = this.deps;
    if (ENDED.has((await cache.requests.get(context, this.requestId))?.state ?? 0)) return true;
    const job = (await cache.chains.statuses(context, this.requestId)).find((s) => s.jobId === this.jobId);
    return job !== undefined && ENDED.has(job.state);
  }

  /**
   * The next read: on from where the followed try's text ends; or, looking for the job's
   * current try, from past any end (no text comes: a try found is then read from its start).
   */
  private async query(): Promise<OutputQuery> {
    const max = DEFAULT_OUTPUT_MAX;
    if (this.following === 0) return { stdout: Number.MAX_SAFE_INTEGER, stderr: Number.MAX_SAFE_INTEGER, max };
    const at = await this.deps.cache.live.position(this.deps.context, this.requestId, this.jobId, this.following);
    return { try: this.following, stdout: at?.stdout ?? 0, stderr: at?.stderr ?? 0, max };
  }

  /** Takes one answer in; true when more is waiting to be read at once. */
  private async take(out: JobOutput, looking: boolean): Promise<boolean> {
    const { context, cache } = this.deps;
    if (looking) {
      const logged = out.done && (await cache.logs.tries(context, this.requestId)).has(`${this.jobId}#${out.try}`);
      if (out.try === 0 || logged || (out.done && out.try <= this.state.try)) {
        // Not started yet, or still the try that ended last: nothing new.
        const { state, exit, done, status } = out;
        this.publish({ ...this.state, try: out.try, state, exit, done, status, source: sourceOf(out), error: null });
        return false;
      }
      // A try to read: from where the cache has it, or from its start.
      this.following = out.try;
      return true;
    }
    const state = await cache.live.put(context, out, Date.now());
    this.publish({ ...state, source: sourceOf(out) });
    if (out.done) {
      this.following = 0;
      await this.deps.tryEnded(this.requestId, this.jobId, out.try).catch(() => undefined);
      return false;
    }
    return out.stdout.next < out.stdout.size || out.stderr.next < out.stderr.size;
  }

  private publish(next: LiveOutputState): void {
    const was = this.state;
    this.state = next;
    const changed = (Object.keys(next) as Array<keyof LiveOutputState>).some(
      (k) => k !== 'seenMs' && next[k] !== was[k],
    );
    if (changed) this.deps.announce(next);
  }
}

const sourceOf = (out: JobOutput): LiveOutputState['source'] => (out.live ? 'live' : 'status-only');
