// The `sleep` job type: waits `seconds` (a number or numeric string arg), returns STOPPED
// promptly when stopped. Serialized bytes: {"seconds": number} (what the original's peer sent).
// Handy for demos and for exercising stop, status and timeouts.

import { STATE_COMPLETE, STATE_FAIL, STATE_STOPPED, formatTime, type JsonObject } from '../../shared/proto';
import { MAX_WAIT_MS } from '../limits';
import { setLongTimeout } from '../long-timeout';
import type { Job, JobReturn, JobType, RunContext } from './job';
import { formatSeconds, jsonBytes, parseJsonBytes, requireNumberArg } from './job-args';

/** `seconds` if it is a sleep the engine can do (0 up to one year), else throws saying why. */
function checkedSeconds(seconds: number, where: string): number {
  if (!(seconds * 1000 <= MAX_WAIT_MS)) {
    throw new Error(`${where}: seconds ${seconds} is longer than the longest sleep allowed (${MAX_WAIT_MS / 1000} s)`);
  }
  return seconds;
}

class SleepJob implements Job {
  private seconds: number | null = null;
  private sleepingSince: Date | null = null;
  private wake: (() => void) | null = null;

  create(args: JsonObject): void {
    this.seconds = checkedSeconds(requireNumberArg(args, 'seconds'), 'seconds in job args');
  }

  serialize(): Uint8Array {
    if (this.seconds === null) throw new Error('sleep job: serialize called before create');
    return jsonBytes({ seconds: this.seconds });
  }

  deserialize(bytes: Uint8Array | null): void {
    const v = parseJsonBytes(bytes, 'sleep');
    if (typeof v.seconds !== 'number' || !Number.isFinite(v.seconds) || v.seconds < 0) {
      throw new Error('sleep job bytes: seconds must be a non-negative number');
    }
    this.seconds = checkedSeconds(v.seconds, 'sleep job bytes');
  }

  async run(_data: JsonObject, ctx: RunContext): Promise<JobReturn> {
    const seconds = this.seconds;
    if (seconds === null)
      return { state: STATE_FAIL, exit: 1, error: 'sleep job was not deserialized', stdout: '', stderr: '' };
    const started = performance.now();
    this.sleepingSince = new Date();
    const completed = await new Promise<boolean>((resolve) => {
      if (ctx.signal.aborted) return resolve(false);
      const timer = setLongTimeout(() => finish(true), seconds * 1000);
      const onAbort = (): void => finish(false);
      const finish = (ok: boolean): void => {
        timer.cancel();
        ctx.signal.removeEventListener('abort', onAbort);
        this.wake = null;
        resolve(ok);
      };
      this.wake = onAbort;
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
    this.sleepingSince = null;
    if (completed) return { state: STATE_COMPLETE, exit: 0, error: '', stdout: '', stderr: '' };
    const slept = formatSeconds(performance.now() - started);
    return {
      state: STATE_STOPPED,
      exit: 1,
      error: `sleep stopped after ${slept} of ${seconds}s`,
      stdout: `stopped after ${slept}\n`,
      stderr: '',
    };
  }

  stop(): void {
    this.wake?.();
  }

  status(): string {
    if (this.sleepingSince) {
      return `sleeping ${this.seconds}s since ${formatTime(new Date(Math.floor(this.sleepingSince.getTime() / 1000) * 1000))}`;
    }
    return `ready to sleep ${this.seconds ?? '?'}s`;
  }
}

export function sleepJobType(): JobType {
  return { type: 'sleep', description: 'Waits `seconds` seconds (stops promptly).', make: () => new SleepJob() };
}
