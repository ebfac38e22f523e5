// How a stand-alone JR shuts down without losing work (SIGTERM, JobRunner.drain): it closes
// the gate, so that no job starts any more, lets the running tries end within the grace, then
// stops the chains and hands them back to the RM. The traverser is not changed for it: every
// job of a chain is wrapped (GatedJobFactory) so that, with the gate closed, a try that would
// start is held instead (it runs nothing and waits, RUNNING, until the chain is stopped), and
// the logs of held tries are dropped before they reach the RM (they never ran).
// The wrapper also shifts the try number a job sees (RunContext.try) for a resumed chain, whose
// tries go on from those the RM has logged (resumed-chain.ts).

import { STATE_STOPPED, type JsonObject } from '../../shared/proto';
import { JobFactory, type Job, type JobReturn, type RunContext, type TryOutput } from '../jobs/job';

export const HELD_STATUS = 'held: the job runner is shutting down; the chain will be handed back';

/** Closed while the JR shuts down; counts the tries that really run. */
export class JobGate {
  private isClosed = false;
  private running = 0;
  private readonly held = new Set<() => void>();
  private idle: Array<() => void> = [];

  get closed(): boolean {
    return this.isClosed;
  }

  /** No try starts from now on: each is held until released. */
  close(): void {
    this.isClosed = true;
  }

  /** Resolves once no try runs (held ones aside). */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Ends every held try (after its chain was stopped): it returns STOPPED, and is not logged. */
  releaseHeld(): void {
    for (const release of [...this.held]) release();
  }

  /** @internal */
  tryStarted(): void {
    this.running++;
  }

  /** @internal */
  tryEnded(): void {
    if (--this.running === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /** @internal A held try: `done` resolves when it is released (by releaseHeld or its own release). */
  hold(): { done: Promise<JobReturn>; release: () => void } {
    let release!: () => void;
    const done = new Promise<JobReturn>((resolve) => {
      release = () => {
        this.held.delete(release);
        resolve({ state: STATE_STOPPED, exit: 1, error: HELD_STATUS, stdout: '', stderr: '' });
      };
    });
    this.held.add(release);
    return { done, release };
  }
}

class GatedJob implements Job {
  /** Try numbers (the traverser's) that were held, not run. */
  readonly heldTries = new Set<number>();
  /** Ends the try held now, if any. */
  private release: (() => void) | null = null;

  constructor(
    private readonly inner: Job,
    private readonly gate: JobGate,
    private readonly tryOffset: number,
  ) {}

  create(args: JsonObject): void | Promise<void> {
    return this.inner.create(args);
  }

  serialize(): Uint8Array | null {
    return this.inner.serialize();
  }

  deserialize(bytes: Uint8Array | null): void {
    this.inner.deserialize(bytes);
  }

  run(data: JsonObject, ctx: RunContext): JobReturn | Promise<JobReturn> {
    if (this.gate.closed) {
      this.heldTries.add(ctx.try);
      const held = this.gate.hold();
      this.release = held.release;
      return held.done.finally(() => (this.release = null));
    }
    const seen = this.tryOffset === 0 ? ctx : { ...ctx, try: ctx.try + this.tryOffset };
    this.gate.tryStarted();
    let ret: JobReturn | Promise<JobReturn>;
    try {
      ret = this.inner.run(data, seen);
    } catch (err) {
      this.gate.tryEnded();
      throw err;
    }
    if (typeof (ret as { then?: unknown }).then === 'function') {
      return Promise.resolve(ret).finally(() => this.gate.tryEnded());
    }
    this.gate.tryEnded();
    return ret;
  }

  stop(): void | Promise<void> {
    if (this.release) return this.release();
    return this.inner.stop();
  }

  status(): string {
    return this.release ? HELD_STATUS : this.inner.status();
  }

  /** What the running try printed so far (live output); a held try printed nothing. */
  output(): TryOutput | null {
    return this.release ? null : (this.inner.output?.() ?? null);
  }
}

/** The JobFactory of one chain: its jobs wrapped, gated by `gate`, tries shifted by `tryOffsets`. */
export class GatedJobFactory extends JobFactory {
  private readonly made = new Map<string, GatedJob>();

  constructor(
    private readonly base: JobFactory,
    private readonly gate: JobGate,
    private readonly tryOffsets: Readonly<Record<string, number>> = {},
  ) {
    super();
  }

  override has(type: string): boolean {
    return this.base.has(type);
  }

  override make(type: string, id: string): Job {
    const job = new GatedJob(this.base.make(type, id), this.gate, this.tryOffsets[id] ?? 0);
    this.made.set(id, job);
    return job;
  }

  /** Whether try `tryNo` (the traverser's number) of job `id` was held rather than run. */
  wasHeld(id: string, tryNo: number): boolean {
    return this.made.get(id)?.heldTries.has(tryNo) ?? false;
  }
}
