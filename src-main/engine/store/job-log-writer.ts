// Groups job logs that arrive close together (one event-loop turn) into one transaction: one
// commit per group instead of one per log is what lets the RM keep up with a JR finishing
// thousands of noop jobs a second. Each caller still gets its own result. Two ways in:
// - write(log, epoch?): resolves once its group is committed; rejects when it could not be
//   written (the HTTP R8 path: the JR still has the log and sends it again). `epoch` is the
//   poster's claim to the request (engine-store.ts): a stale one resolves 'stale'.
// - queue(log): the caller hands the log over (the in-process JR does not wait for the commit).
//   A group that cannot be written because the disk is full or failing is held here and
//   retried, with a pause doubling up to retryMaxMs, until it is stored. While a group is
//   held, both ways refuse new logs at once with the StorageError: the JR keeps those and
//   retries them itself, and the logs held here stay one group (at most maxBatch logs, or
//   maxBatchBytes plus the one log that crossed it).
// Groups are written one at a time, in order; flush() resolves once everything queued before
// the call is written (or held).

import type { JobLog } from '../../shared/proto';
import type { EngineStore, JobLogInsert } from './engine-store';
import { StorageError } from './storage-error';

interface Pending {
  log: JobLog;
  epoch: number | undefined;
  /** queue(): held and retried on a storage failure; write(): rejected. */
  handedOver: boolean;
  resolve: (result: JobLogInsert) => void;
  reject: (err: unknown) => void;
}

export interface JobLogWriterOptions {
  /** Largest group written in one transaction (logs). */
  maxBatch?: number;
  /** A group is written as soon as its logs' text reaches this many bytes. */
  maxBatchBytes?: number;
  /** First pause before retrying a held group; it doubles up to retryMaxMs. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** Roughly what a log weighs in memory (its texts, UTF-16 code units count as bytes). */
const logBytes = (log: JobLog): number => 256 + log.stdout.length + log.stderr.length + log.error.length;

export class JobLogWriter {
  private queued: Pending[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  /** The group that could not be written, retried until it is. */
  private held: Pending[] = [];
  private heldError: StorageError | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  /** The group being written, then every flush queued behind it. */
  private tail: Promise<void> = Promise.resolve();
  private readonly maxBatch: number;
  private readonly maxBatchBytes: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(
    private readonly store: EngineStore,
    options: JobLogWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 5000;
    this.maxBatchBytes = options.maxBatchBytes ?? 32 * 1024 * 1024;
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
    this.retryDelay = this.retryBaseMs;
  }

  /** Queues `log`; resolves once its group is committed, rejects if it could not be. */
  write(log: JobLog, epoch?: number): Promise<JobLogInsert> {
    return new Promise((resolve, reject) => this.add({ log, epoch, handedOver: false, resolve, reject }));
  }

  /**
   * Takes `log` over: it is stored, now or after retries. Throws the StorageError at once while
   * an earlier group is held (the caller keeps the log). Resolves once it is stored.
   */
  queue(log: JobLog): Promise<JobLogInsert> {
    if (this.heldError) throw this.heldError;
    return new Promise((resolve, reject) => this.add({ log, epoch: undefined, handedOver: true, resolve, reject }));
  }

  /** Logs held after a failed write, waiting for space. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Whether logs of this request are held (not stored yet). */
  holds(requestId: string): boolean {
    return this.held.some((p) => p.log.requestId === requestId);
  }

  /** The failure the held logs wait on (null when none is held). */
  get holdError(): StorageError | null {
    return this.heldError;
  }

  /**
   * Writes what is held, then everything queued, after the group being written. Call before
   * reading or changing what logs affect. Never rejects: a failure is held or reported to the
   * writers.
   */
  flush(): Promise<void> {
    this.scheduled = false;
    this.tail = this.tail.then(() => this.writePending());
    return this.tail;
  }

  private async writePending(): Promise<void> {
    if (this.held.length > 0) {
      if (!(await this.writeGroup(this.held))) return;
      this.held = [];
      this.heldError = null;
      this.retryDelay = this.retryBaseMs;
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    this.queuedBytes = 0;
    await this.writeGroup(batch);
  }

  /** Stops retrying; returns how many held logs are given up (the caller reports them). */
  close(): number {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const dropped = this.held;
    this.held = [];
    for (const p of dropped) p.reject(this.heldError);
    this.heldError = null;
    return dropped.length;
  }

  private add(p: Pending): void {
    if (this.heldError) return p.reject(this.heldError);
    this.queued.push(p);
    this.queuedBytes += logBytes(p.log);
    if (this.queued.length >= this.maxBatch || this.queuedBytes >= this.maxBatchBytes) void this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Writes `batch` in one transaction; false when it failed (the handed-over logs are then held). */
  private async writeGroup(batch: Pending[]): Promise<boolean> {
    let results: JobLogInsert[];
    try {
      const epochs = batch.some((p) => p.epoch !== undefined) ? batch.map((p) => p.epoch) : undefined;
      results = await this.store.insertJobLogs(
        batch.map((p) => p.log),
        epochs,
      );
    } catch (err) {
      const keep = err instanceof StorageError ? batch.filter((p) => p.handedOver) : [];
      for (const p of batch) if (!keep.includes(p)) p.reject(err);
      if (keep.length > 0) this.hold(keep, err as StorageError);
      return false;
    }
    batch.forEach((p, i) => p.resolve(results[i] as JobLogInsert));
    return true;
  }

  private hold(group: Pending[], err: StorageError): void {
    if (group !== this.held) this.held = group;
    this.heldError = err;
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retryDelay = Math.min(this.retryDelay * 2, this.retryMaxMs);
      void this.flush();
    }, this.retryDelay);
    this.retryTimer.unref();
  }
}
