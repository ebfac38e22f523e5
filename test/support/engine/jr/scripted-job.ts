// Test support: a `scripted` job type whose bytes say what each try does, and which records
// every run (job id, try, the data it received, when it started), for traversal tests.
// Bytes: {"tries": [TryScript, ...]} — try n uses entry n-1, the last entry repeats.

import { STATE_COMPLETE, STATE_STOPPED, type JsonObject, type State } from '../../../../src-main/shared/proto';
import type { Job, JobReturn, JobType, RunContext, TryOutput } from '../../../../src-main/engine/jobs/job';
import { CappedOutput } from '../../../../src-main/engine/jobs/capped-output';

export interface TryScript {
  state?: State;
  exit?: number;
  error?: string;
  stdout?: string;
  stderr?: string;
  /** Takes this long (returns STOPPED early on abort unless ignoreStop). */
  delayMs?: number;
  /** Keys written into the job data. */
  set?: JsonObject;
  /** Ignore the abort signal and stop() while waiting delayMs. */
  ignoreStop?: boolean;
  /** Never return at all. */
  hang?: boolean;
  /** run() throws this message. */
  throws?: string;
  /** run() returns its result (or throws) directly instead of a promise; delayMs/hang do not apply. */
  sync?: boolean;
  /** What the try has printed on stdout and stderr while it runs (its live output). */
  printing?: { stdout?: string; stderr?: string };
}

export interface ScriptedRun {
  jobId: string;
  try: number;
  data: JsonObject;
  startedMs: number;
}

export const script = (...tries: TryScript[]): { tries: TryScript[] } => ({ tries });

class ScriptedJob implements Job {
  private tries: TryScript[] = [{}];
  stopCalls = 0;
  private printed: TryOutput | null = null;

  constructor(
    private readonly id: string,
    private readonly runs: ScriptedRun[],
  ) {}

  create(): void {}
  serialize(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ tries: this.tries }));
  }
  deserialize(bytes: Uint8Array | null): void {
    if (bytes === null) return;
    const v = JSON.parse(new TextDecoder().decode(bytes)) as { tries?: TryScript[] };
    if (v.tries && v.tries.length > 0) this.tries = v.tries;
  }

  run(data: JsonObject, ctx: RunContext): JobReturn | Promise<JobReturn> {
    this.runs.push({ jobId: ctx.jobId, try: ctx.try, data: { ...data }, startedMs: performance.now() });
    const s = this.tries[Math.min(ctx.try, this.tries.length) - 1] as TryScript;
    this.printed = s.printing ? { stdout: captured(s.printing.stdout), stderr: captured(s.printing.stderr) } : null;
    if (!s.sync) return this.runAsync(data, ctx, s);
    if (s.throws !== undefined) throw new Error(s.throws);
    return this.finish(data, s);
  }

  private async runAsync(data: JsonObject, ctx: RunContext, s: TryScript): Promise<JobReturn> {
    if (s.throws !== undefined) throw new Error(s.throws);
    if (s.hang) return new Promise<JobReturn>(() => {});
    if (s.delayMs) {
      const aborted = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), s.delayMs);
        if (!s.ignoreStop) {
          ctx.signal.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve(true);
            },
            { once: true },
          );
        }
      });
      if (aborted) return { state: STATE_STOPPED, exit: 1, error: 'aborted', stdout: '', stderr: '' };
    }
    return this.finish(data, s);
  }

  private finish(data: JsonObject, s: TryScript): JobReturn {
    if (s.set) Object.assign(data, s.set);
    return {
      state: s.state ?? STATE_COMPLETE,
      exit: s.exit ?? 0,
      error: s.error ?? '',
      stdout: s.stdout ?? '',
      stderr: s.stderr ?? '',
    };
  }

  stop(): void {
    this.stopCalls++;
  }

  output(): TryOutput | null {
    return this.printed;
  }

  status(): string {
    return `scripted ${this.id}`;
  }
}

function captured(text = ''): CappedOutput {
  const out = new CappedOutput();
  out.write(Buffer.from(text));
  return out;
}

export function scriptedJobType(runs: ScriptedRun[]): JobType {
  return { type: 'scripted', make: (id) => new ScriptedJob(id, runs) };
}
