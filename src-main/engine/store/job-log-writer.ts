// Groups job logs that arrive close together (one event-loop turn) into one transaction: one
// commit per group instead of one per log is what lets the RM keep up with a JR finishing
// thousands of noop jobs a second. Each caller still gets its own result.

import type { JobLog } from '../../shared/proto';
import type { EngineStore, JobLogInsert } from './store';

interface Pending {
  log: JobLog;
  resolve: (result: JobLogInsert) => void;
  reject: (err: unknown) => void;
}

export class JobLogWriter {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly store: EngineStore,
    /** Largest group written in one transaction. */
    private readonly maxBatch = 5000,
  ) {}

  /** Queues `log`; resolves once its group is committed. */
  write(log: JobLog): Promise<JobLogInsert> {
    return new Promise((resolve, reject) => {
      this.queue.push({ log, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes everything queued now (synchronously). Call before reading or changing what logs affect. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let results: JobLogInsert[];
    try {
      results = this.store.insertJobLogs(batch.map((p) => p.log));
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i] as JobLogInsert));
  }
}
