// Keeps the cache in step with one context's Request Manager, whatever protocol it speaks (the
// connection's adapter maps it onto the console model). Two loops: the requests the operator is
// viewing (default every 1 s: request, chain, job statuses, and the logs of tries that have
// finished) and everything else (default every 5 s: the running list, plus a final look at
// cached requests that have left it). Only what changed is announced. When the RM stops
// answering the context goes offline (reads come from the cache, with its age) and the loops
// back off; they resume by themselves. With the running list the RM is asked whether it can
// write its database (ours says so; a full disk shows in the status line).
//
// Runtimes: a 2017 request's job statuses carry runtime 0 (protocol); only the running list
// has them, and a v2 server tells when a running job's try started. Each read records when each
// running job started, so the console can show a runtime that ticks between reads. A viewed
// request with a running job whose start is not known yet has the running list read in the
// viewed pass too.
//
// Failures: a request seen FAIL or TIMEOUT gets a failure summary (its failed jobs, each with
// its last try's exit code and last stderr or error lines), read once: shown in the list and the
// request header without opening a log.
//
// Retries and re-runs (docs/protocol/extensions.md): a viewed request's history (attempts,
// re-run links) is read from our RM when it is opened and whenever its state changes. A request
// retried (it runs again after it ended, or it ended at another time than the cache had: a retry
// over between two reads) loses its failure summary and is read whole again when it ends; while
// it runs, a job the retry runs again has its new tries read as they finish.

import {
  FINAL_STATES,
  type Context,
  type ContextStatus,
  type FailureSummary,
  type RequestPart,
  type RequestRecord,
  type RmJobLog,
  type RmJobStatus,
  type RmRequest,
  type RmRunning,
  serverRetries,
} from '../../shared/console-model';
import { STATE_FAIL, STATE_PENDING, STATE_RUNNING, STATE_TIMEOUT, type State } from '../../shared/proto';
import type { RemoteCache } from '../cache-api';
import type { Connection } from '../client/connection';
import { RmClientError, isOffline as isOfflineError, unlessNotFound } from '../client/transport';
import { DETAILED_JOBS, failedJobIds, summarizeFailure } from '../failure';
import { ReadOrder } from './read-order';

export interface SyncIntervals {
  /** Requests the operator is looking at (default 1000 ms). */
  viewedMs: number;
  /** The running list and watched requests (default 5000 ms). */
  otherMs: number;
  /** Longest wait between tries while offline (default 30 s). */
  maxBackoffMs: number;
}

export const DEFAULT_INTERVALS: SyncIntervals = { viewedMs: 1000, otherMs: 5000, maxBackoffMs: 30_000 };

export interface StateChange {
  context: string;
  request: RequestRecord;
  from: State;
  /** Jobs that ended FAIL or TIMEOUT (filled when the request failed). */
  failedJobs: string[];
  /** Why it failed, when it failed and the RM told. */
  failure: FailureSummary | null;
}

export interface SyncListener {
  contextStatus(status: ContextStatus): void;
  requestsChanged(context: string, requests: RequestRecord[]): void;
  requestUpdated(context: string, requestId: string, parts: RequestPart[]): void;
  /** A request's state changed as seen from the RM (never for what was already cached). */
  stateChanged(change: StateChange): void;
}

const TERMINAL = FINAL_STATES;
const FAILED = new Set<State>([STATE_FAIL, STATE_TIMEOUT]);
/** Above this many jobs needing logs in one pass, one full-log call is cheaper than one per job. */
const PER_JOB_LOG_LIMIT = 20;
/** Reads of a failure summary while a failed job's last try has not reached the RM. */
const FAILURE_READS = 5;
/** The last-contact time is written to the cache at most this often while the RM answers. */
const PERSIST_CONTACT_MS = 10_000;

export class ContextSync {
  private readonly viewed = new Set<string>();
  /** Requests opened at some point: when they end, their logs are fetched even if no longer viewed. */
  private readonly opened = new Set<string>();
  /**
   * Viewed requests whose every try is cached (fetched once after they ended): the end it was
   * fetched after (its finish time). A read that began before a retry cannot take a later end
   * for logged.
   */
  private readonly fullyLogged = new Map<string, string | null>();
  private status: ContextStatus;
  private failures = 0;
  private timers: Array<ReturnType<typeof setTimeout>> = [];
  private stopped = true;
  /** Stopped by its owner (context edited or removed): it has nothing more to say about the RM. */
  private retired = false;
  /** Bumped on every stop: a pass still in flight from before must not schedule another. */
  private generation = 0;
  /** False once the RM answered 404 for its storage status (an original RM does not have it). */
  private storageReported = true;
  /** The lastOkMs last written to the cache. */
  private persistedOkMs: number | null;
  /** When the running list was last read (for job starts), ms since epoch. */
  private startsReadMs = 0;
  /**
   * Failed requests whose summary lacks a failed job's last try (its log had not reached the RM
   * when the request ended), with the reads left: read again on the next passes.
   */
  private readonly failureIncomplete = new Map<string, number>();
  /** The state each viewed request was in when its history was last read. */
  private readonly historyReadAt = new Map<string, State>();
  /** Answers about a request asked for before one already taken in are dropped. */
  private readonly order = new ReadOrder();
  /** Per request, the jobs of its running retry whose latest try was read in that attempt. */
  private readonly attemptLogsRead = new Map<string, { attempt: number; jobs: Set<string> }>();

  constructor(
    readonly context: Context,
    private readonly client: Connection,
    private readonly cache: RemoteCache,
    /** When the RM last answered, as the cache remembers it (it survives restarts). */
    lastContact: number | null,
    private readonly listener: SyncListener,
    private intervals: SyncIntervals = DEFAULT_INTERVALS,
  ) {
    this.persistedOkMs = lastContact;
    this.status = {
      context: context.name,
      online: true,
      lastOkMs: this.persistedOkMs,
      error: null,
      refused: false,
      server: client.server,
      storage: null,
    };
  }

  get contextStatus(): ContextStatus {
    return this.status;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.retired = false;
    this.loop(
      () => this.syncOthers(),
      () => this.intervals.otherMs,
    );
    this.loop(
      () => this.syncViewed(),
      () => this.intervals.viewedMs,
    );
  }

  /** Stops both loops; resolves once the last contact is saved. */
  stop(): Promise<void> {
    this.halt();
    this.retired = true;
    return this.persistContact();
  }

  /** New poll intervals, applied now; what the sync knows (viewed requests, status) is kept. */
  setIntervals(intervals: SyncIntervals): void {
    this.intervals = intervals;
    if (this.stopped) return;
    this.halt();
    this.start();
  }

  private halt(): void {
    this.stopped = true;
    this.generation++;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  /** The operator opened (or closed) a request: it is then synced fully and often. */
  setViewed(requestId: string, viewing: boolean): void {
    if (viewing) {
      this.viewed.add(requestId);
      this.opened.add(requestId);
      this.historyReadAt.delete(requestId); // read once more on each open (it may have been re-run since)
    } else this.viewed.delete(requestId);
  }

  /** Runs one pass of both loops now (tests, and a manual refresh). */
  async syncNow(): Promise<void> {
    await this.syncOthers();
    await this.syncViewed();
  }

  private loop(pass: () => Promise<void>, interval: () => number): void {
    const generation = this.generation;
    const run = async () => {
      if (generation !== this.generation) return;
      await pass();
      if (generation !== this.generation) return;
      const wait = this.status.online
        ? interval()
        : Math.min(interval() * 2 ** Math.min(this.failures, 10), this.intervals.maxBackoffMs);
      this.timers.push(setTimeout(run, wait));
    };
    this.timers.push(setTimeout(run, 0));
  }

  /** Wraps a pass: marks the context online/offline from its outcome. */
  private async guarded(pass: () => Promise<void>): Promise<void> {
    try {
      await pass();
      this.setOnline();
    } catch (err) {
      this.learnedFrom(err);
    }
  }

  /** A failed call: offline if the RM could not be reached; online if it answered (a 500 for one request). */
  private learnedFrom(err: unknown): void {
    if (isOfflineError(err)) this.setOffline(err.message, err.kind === 'refused');
    else if (err instanceof RmClientError) this.setOnline();
  }

  private setOnline(): void {
    this.failures = 0;
    const was = this.status;
    const server = this.client.server;
    this.status = {
      context: this.context.name,
      online: true,
      lastOkMs: Date.now(),
      error: null,
      refused: false,
      server,
      storage: was.storage,
    };
    if (!was.online || (this.status.lastOkMs as number) - (this.persistedOkMs ?? 0) >= PERSIST_CONTACT_MS) {
      void this.persistContact();
    }
    if (!was.online || was.lastOkMs === null || was.server !== server) this.announce();
  }

  private setOffline(error: string, refused: boolean): void {
    this.failures++;
    const was = this.status;
    this.status = {
      context: this.context.name,
      online: false,
      lastOkMs: was.lastOkMs,
      error,
      refused,
      server: was.server,
      storage: null,
    };
    void this.persistContact();
    if (was.online || was.error !== error) this.announce();
  }

  private announce(): void {
    if (!this.retired) this.listener.contextStatus(this.status);
  }

  private async persistContact(): Promise<void> {
    const ms = this.status.lastOkMs;
    if (ms === null || ms === this.persistedOkMs) return;
    this.persistedOkMs = ms;
    try {
      await this.cache.contexts.putLastContact(this.context.name, ms);
    } catch {
      // A closed or full cache: the in-memory status is still right.
    }
  }

  // ---- the running list and unfinished requests ----

  /** What the RM says about its database; announced when it changes (e.g. its disk fills up). */
  private async syncStorage(): Promise<void> {
    if (!this.storageReported) return;
    const storage = await this.client.storageStatus();
    if (storage === null) this.storageReported = false; // an RM without the route (the original)
    const was = this.status.storage;
    if (was?.ok === storage?.ok && was?.full === storage?.full && was?.error === storage?.error) return;
    this.status = { ...this.status, storage };
    this.announce();
  }

  private syncOthers(): Promise<void> {
    return this.guarded(async () => {
      await this.syncStorage();
      const listed = this.order.ticket();
      const running = await this.readRunning();
      const changed: RequestRecord[] = [];
      const seen = new Set<string>();
      for (const r of running.requests) {
        seen.add(r.id);
        const rec = await this.absorb(r, listed);
        if (rec) changed.push(rec);
      }
      // Requests the cache thinks are unfinished but are no longer running: read their end.
      for (const id of await this.cache.requests.unfinishedIds(this.context.name)) {
        if (seen.has(id) || this.viewed.has(id)) continue;
        const ticket = this.order.ticket();
        const r = await this.readRequest(id);
        const rec = r && (await this.absorb(r, ticket));
        if (rec) changed.push(rec);
      }
      for (const id of [...this.failureIncomplete.keys()]) {
        await this.readFailure(id);
        const rec = await this.cache.requests.get(this.context.name, id);
        if (rec) changed.push(rec);
      }
      if (changed.length > 0) this.listener.requestsChanged(this.context.name, changed);
    });
  }

  /**
   * Reads the running list and records when each running job started (a 2017 server's runtime
   * is counted back from when the answer arrived, so a figure never runs ahead of the real one).
   * Viewed requests that learn a start are announced.
   */
  private async readRunning(): Promise<RmRunning> {
    const running = await this.client.running();
    this.startsReadMs = Date.now();
    await this.putStarts(running.jobs);
    return running;
  }

  /** Records the starts that running jobs carry; announces viewed requests whose starts moved. */
  private async putStarts(jobs: readonly RmJobStatus[]): Promise<void> {
    const starts = jobs
      .filter((j) => j.requestId !== '' && j.state === STATE_RUNNING && j.startedMs !== null)
      .map((j) => ({ requestId: j.requestId, jobId: j.jobId, startedMs: j.startedMs as number }));
    const moved = starts.length === 0 ? [] : await this.cache.facts.putJobStarts(this.context.name, starts);
    for (const id of moved) if (this.viewed.has(id)) this.listener.requestUpdated(this.context.name, id, ['statuses']);
  }

  private readRequest(id: string): Promise<RmRequest | null> {
    return unlessNotFound(this.client.getRequest(id));
  }

  /**
   * Stores a request as the RM reports it; reads why it failed (once) if it failed; announces a
   * state change. Returns it if it changed. `ticket`: the read's (ReadOrder); a stale answer is
   * dropped.
   */
  private async absorb(r: RmRequest, ticket: number): Promise<RequestRecord | null> {
    if (this.order.stale(r.id, ticket)) return null;
    const ctx = this.context.name;
    const update = await this.cache.requests.put(ctx, r);
    const before =
      update.previousState === null ? null : { state: update.previousState, finishedAt: update.previousFinishedAt };
    const ranAgain = retriedSince(before, r);
    if (ranAgain) {
      // Retried: its end (this one or the next) is read whole again, and its history.
      this.fullyLogged.delete(r.id);
      this.failureIncomplete.delete(r.id);
      this.historyReadAt.delete(r.id);
    }
    /** A whole retry came and went between two reads: it ended again. */
    const endedAgain = ranAgain && TERMINAL.has(r.state);
    if (!update.changed && !endedAgain && !FAILED.has(r.state)) return null;
    let rec = await this.cache.requests.get(ctx, r.id);
    if (!rec) return null;
    if (rec.failure !== null && !FAILED.has(r.state)) {
      await this.cache.facts.setFailure(ctx, r.id, null);
      rec = { ...rec, failure: null };
    }
    let failedJobs: string[] = [];
    let failureLearned = false;
    if (FAILED.has(r.state) && (rec.failure === null || update.previousState !== r.state || endedAgain)) {
      const known = rec.failure !== null;
      failedJobs = await this.readFailure(r.id);
      rec = (await this.cache.requests.get(ctx, r.id)) ?? rec;
      failureLearned = !known && rec.failure !== null;
    }
    if (!update.changed && !endedAgain && !failureLearned) return null;
    if (TERMINAL.has(r.state)) await this.cache.facts.clearJobStarts(ctx, r.id);
    if (update.previousState !== null && (update.previousState !== r.state || endedAgain)) {
      this.listener.stateChanged({
        context: ctx,
        request: rec,
        // It ended again from running, whether or not a read saw it run.
        from: endedAgain ? STATE_RUNNING : update.previousState,
        failedJobs,
        failure: rec.failure,
      });
    }
    // A request the operator opened or watches stays fully readable offline: once it has
    // ended, every try's log is fetched, whether or not it is on screen now.
    if (TERMINAL.has(r.state) && !this.viewed.has(r.id) && (rec.watched || this.opened.has(r.id))) {
      await this.fetchEverything(r);
    }
    return rec;
  }

  /**
   * Requests a page of the server's list showed: cached as they are shown (new ones as seen). One
   * the cache had unfinished that has moved on, or had ended and was retried since, is taken as
   * the running list's would be (its change announced, why it failed read), so the sync misses no
   * change of a request it followed. Call it before asking for the page; what it returns takes
   * the page's requests in, with the page's place in the order of reads.
   */
  absorberOfFound(): (found: readonly RmRequest[]) => Promise<void> {
    const ticket = this.order.ticket();
    return (found) => this.absorbFound(found, ticket);
  }

  private async absorbFound(all: readonly RmRequest[], ticket: number): Promise<void> {
    const ctx = this.context.name;
    const found = all.filter((r) => !this.order.stale(r.id, ticket));
    const changed: RequestRecord[] = [];
    const plain: RmRequest[] = [];
    const before = await this.cache.requests.getMany(
      ctx,
      found.map((r) => r.id),
    );
    for (const [i, r] of found.entries()) {
      const cached = before[i];
      if (cached && ((!TERMINAL.has(cached.state) && cached.state !== r.state) || retriedSince(cached, r))) {
        const rec = await this.absorb(r, ticket);
        if (rec) changed.push(rec);
      } else plain.push(r);
    }
    await this.cache.requests.putMany(ctx, plain);
    if (changed.length > 0) this.listener.requestsChanged(ctx, changed);
  }

  private async fetchEverything(r: RmRequest): Promise<void> {
    const ctx = this.context.name;
    const requestId = r.id;
    const parts: RequestPart[] = [];
    if (!(await this.cache.chains.hasChain(ctx, requestId))) {
      await this.cache.chains.putChain(ctx, requestId, await this.client.jobChain(requestId));
      parts.push('chain');
    }
    const { statuses, logs } = await this.client.jobStatuses(requestId);
    await this.cache.chains.putStatuses(ctx, requestId, statuses);
    parts.push('statuses');
    if ((await this.storeLogs(requestId, logs)) > 0) parts.push('logs');
    this.fullyLogged.set(requestId, r.finishedAt);
    this.listener.requestUpdated(ctx, requestId, parts);
  }

  /**
   * Reads why a failed request failed (its job statuses, and the last try of its first few
   * failed jobs, both cached) and stores the summary. Returns the failed jobs' ids; none when
   * the RM could not tell (the summary stays unknown, and is asked for again next time).
   */
  private async readFailure(requestId: string): Promise<string[]> {
    const ctx = this.context.name;
    try {
      const { statuses, logs } = await this.client.jobStatuses(requestId);
      await this.cache.chains.putStatuses(ctx, requestId, statuses);
      const failed = failedJobIds(statuses);
      const tries = new Map<string, RmJobLog>();
      for (const jobId of failed.slice(0, DETAILED_JOBS)) {
        // Where the states came from the logs (v2), the last try is among them.
        const last = logs
          ? (logs.filter((l) => l.jobId === jobId).at(-1) ?? null)
          : await this.client.jobLog(requestId, jobId).catch(() => null);
        if (last?.requestId === requestId) tries.set(jobId, last);
      }
      // The tries read here are cached here: say so, or an open page never learns of them
      // (the pass's own log sync finds them already cached).
      if ((await this.cache.logs.put(ctx, [...tries.values()])) > 0) {
        this.listener.requestUpdated(ctx, requestId, ['logs']);
      }
      const summary = summarizeFailure(statuses, (id) => tries.get(id) ?? null);
      await this.cache.facts.setFailure(ctx, requestId, summary);
      const left = (this.failureIncomplete.get(requestId) ?? FAILURE_READS) - 1;
      if (summary.jobs.some((j) => j.try === 0) && left > 0) this.failureIncomplete.set(requestId, left);
      else this.failureIncomplete.delete(requestId);
      return failed;
    } catch (err) {
      if (isOfflineError(err)) throw err;
      return [];
    }
  }

  // ---- viewed requests ----

  private syncViewed(): Promise<void> {
    // Nothing viewed, nothing asked: that says nothing about the RM (it must not mark an
    // unreachable context online).
    if (this.viewed.size === 0) return Promise.resolve();
    return this.guarded(async () => {
      for (const id of [...this.viewed]) {
        try {
          await this.fetchRequest(id);
        } catch (err) {
          if (isOfflineError(err)) throw err;
          // One request the RM cannot answer for (deleted, 500) must not stop the others.
        }
      }
    });
  }

  /**
   * Brings one request fully into the cache now (opening it, after a stop). Its outcome sets the
   * context's status, as a loop's pass does.
   */
  async syncRequest(requestId: string): Promise<RequestPart[]> {
    try {
      const parts = await this.fetchRequest(requestId);
      this.setOnline();
      return parts;
    } catch (err) {
      this.learnedFrom(err);
      throw err;
    }
  }

  /** Brings one request fully into the cache: request, chain, statuses, finished tries' logs. */
  private async fetchRequest(requestId: string): Promise<RequestPart[]> {
    const ctx = this.context.name;
    const parts: RequestPart[] = [];
    const ticket = this.order.ticket();
    const r = await this.client.getRequest(requestId);
    const rec = await this.absorb(r, ticket);
    if (rec) {
      parts.push('request');
      this.listener.requestsChanged(ctx, [rec]);
    }
    if (this.historyReadAt.get(requestId) !== r.state && (await this.readHistory(requestId, r.state))) {
      if (!parts.includes('request')) parts.push('request');
    }
    if (!(await this.cache.chains.hasChain(ctx, requestId))) {
      await this.cache.chains.putChain(ctx, requestId, await this.client.jobChain(requestId));
      parts.push('chain');
    }
    const ended = TERMINAL.has(r.state);
    if (!ended || !this.fullyLogged.has(requestId) || this.fullyLogged.get(requestId) !== r.finishedAt) {
      const { statuses, logs } = await this.client.jobStatuses(requestId);
      if (await this.statusesChanged(requestId, statuses)) {
        await this.cache.chains.putStatuses(ctx, requestId, statuses);
        parts.push('statuses');
      }
      await this.putStarts(statuses);
      if (!ended && (await this.startUnknown(requestId, statuses))) await this.readRunning();
      if (await this.syncLogs(requestId, statuses, ended ? r : null, logs)) parts.push('logs');
    }
    if (parts.length > 0) this.listener.requestUpdated(ctx, requestId, parts);
    return parts;
  }

  /**
   * Reads a request's history from our RM and caches it (`state`: the request's as just read);
   * true when it changed. Servers without it are not asked.
   */
  async readHistory(requestId: string, state?: State): Promise<boolean> {
    if (!serverRetries(this.client.server)) return false;
    let history;
    try {
      history = await this.client.history(requestId);
    } catch (err) {
      if (isOfflineError(err)) throw err;
      return false; // this request's history cannot be read now: asked again next time
    }
    if (state !== undefined) this.historyReadAt.set(requestId, state);
    if (history?.requestId !== requestId) return false;
    const ctx = this.context.name;
    const before = await this.cache.history.get(ctx, requestId);
    if (JSON.stringify(before) === JSON.stringify(history)) return false;
    await this.cache.history.put(ctx, history);
    return true;
  }

  /**
   * Stores every try's log of a request not cached yet (`read`: as working out its statuses read
   * them, else fetched now); returns how many. Only logs naming that request are kept: a reply
   * must not write into another one's cache.
   */
  private async storeLogs(requestId: string, read: RmJobLog[] | null = null): Promise<number> {
    const logs = read ?? (await this.client.jobLogs(requestId));
    return this.cache.logs.put(
      this.context.name,
      logs.filter((l) => l.requestId === requestId),
    );
  }

  /**
   * A job runs whose start is not known, and the running list was not read within the viewed
   * interval (a job that started since, or that the running list does not show: read at most
   * that often).
   */
  private async startUnknown(requestId: string, statuses: readonly RmJobStatus[]): Promise<boolean> {
    if (Date.now() - this.startsReadMs < this.intervals.viewedMs) return false;
    if (!statuses.some((s) => s.state === STATE_RUNNING)) return false;
    const starts = await this.cache.facts.jobStarts(this.context.name, requestId);
    return statuses.some((s) => s.state === STATE_RUNNING && starts[s.jobId] === undefined);
  }

  private async statusesChanged(requestId: string, next: readonly RmJobStatus[]): Promise<boolean> {
    const before = await this.cache.chains.statuses(this.context.name, requestId);
    if (before.length !== next.length) return true;
    const key = (s: Pick<RmJobStatus, 'jobId' | 'state' | 'status' | 'try'>) =>
      `${s.jobId}|${s.state}|${s.status}|${s.try}`;
    const had = new Set(before.map(key));
    return next.some((s) => !had.has(key(s)));
  }

  /**
   * Fetches the logs of tries that finished and are not cached yet (`read`: every try, when
   * working out the statuses read them already; `ended`: the request as read, once it ended).
   * True if any were added.
   */
  private async syncLogs(
    requestId: string,
    statuses: readonly RmJobStatus[],
    ended: RmRequest | null,
    read: RmJobLog[] | null,
  ): Promise<boolean> {
    const ctx = this.context.name;
    if (read) {
      if (ended) this.fullyLogged.set(requestId, ended.finishedAt);
      return (await this.storeLogs(requestId, read)) > 0;
    }
    if (ended) {
      // Every try of every job, once: this end is over, nothing more will be logged.
      const added = await this.storeLogs(requestId);
      this.fullyLogged.set(requestId, ended.finishedAt);
      return added > 0;
    }
    const cachedTries = new Map<string, Set<number>>();
    for (const key of await this.cache.logs.tries(ctx, requestId)) {
      const at = key.lastIndexOf('#');
      const jobId = key.slice(0, at);
      const set = cachedTries.get(jobId) ?? new Set<number>();
      set.add(Number(key.slice(at + 1)));
      cachedTries.set(jobId, set);
    }
    const retried = await this.retriedJobs(requestId);
    const missing = statuses.filter(
      (s) =>
        s.state !== STATE_PENDING &&
        s.state !== STATE_RUNNING &&
        (!cachedTries.has(s.jobId) || (retried !== null && retried.pending.has(s.jobId))),
    );
    if (missing.length === 0) return false;
    if (missing.length > PER_JOB_LOG_LIMIT) {
      for (const s of missing) retried?.read.add(s.jobId);
      return (await this.storeLogs(requestId)) > 0;
    }
    let added = 0;
    for (const s of missing) {
      const latest = await this.client.jobLog(requestId, s.jobId).catch(() => null);
      if (latest?.requestId !== requestId) continue;
      retried?.read.add(s.jobId);
      const have = cachedTries.get(s.jobId) ?? new Set<number>();
      for (let n = 1; n < latest.try; n++) {
        // Earlier tries not cached yet are only in the full log.
        if (!have.has(n)) return (await this.storeLogs(requestId)) > 0 || added > 0;
      }
      added += await this.cache.logs.put(ctx, [latest]);
    }
    return added > 0;
  }

  /**
   * The jobs the request's running retry runs again (from its cached history): `pending`, those
   * whose latest try was not read in this attempt yet; `read` records the ones read. Null when
   * no retry runs.
   */
  private async retriedJobs(requestId: string): Promise<{ pending: Set<string>; read: Set<string> } | null> {
    const last = (await this.cache.history.get(this.context.name, requestId))?.attempts.at(-1);
    if (last?.kind !== 'retry' || last.finishedAt !== null) return null;
    let seen = this.attemptLogsRead.get(requestId);
    if (seen?.attempt !== last.attempt) {
      seen = { attempt: last.attempt, jobs: new Set() };
      this.attemptLogsRead.set(requestId, seen);
    }
    const read = seen.jobs;
    return { pending: new Set(last.jobs.filter((j) => !read.has(j))), read };
  }
}

/**
 * Whether a request the cache had ended has run again since (a retry): it runs now, or it ended
 * at another time than the cache had.
 */
function retriedSince(before: { state: State; finishedAt: string | null } | null, r: RmRequest): boolean {
  if (before === null || !TERMINAL.has(before.state)) return false;
  return !TERMINAL.has(r.state) || before.finishedAt !== r.finishedAt;
}
