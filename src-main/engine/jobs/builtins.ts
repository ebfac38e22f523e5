// The job types every Spin Cycle engine has: noop, shell, sleep. Operators add their own as
// JavaScript modules (load-job-modules.ts).

import { DEFAULT_MAX_OUTPUT_BYTES } from './capped-output';
import type { JobType } from './job';
import { noopJobType } from './noop';
import { shellJobType } from './shell';
import { sleepJobType } from './sleep';
import type { TryKeeper } from './try-keeper';

export interface BuiltinJobOptions {
  /** Output kept per stream of a shell job (default 10 MiB); the rest is dropped with a marker. */
  maxOutputBytes?: number;
  /** Shell jobs on stop: SIGTERM to the process group, SIGKILL after this (default 5000 ms). */
  killGraceMs?: number;
  /** After a shell exits, how long its stdout/stderr may stay open (background children; default 1000 ms). */
  stdioDrainMs?: number;
  /** Contains and spools shell tries (the engine's TryKeeper); none: process group, memory only. */
  keeper?: TryKeeper;
}

export const DEFAULT_KILL_GRACE_MS = 5000;
export const DEFAULT_STDIO_DRAIN_MS = 1000;

export function builtinJobTypes(options: BuiltinJobOptions = {}): JobType[] {
  return [
    noopJobType(),
    shellJobType({
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
      stdioDrainMs: options.stdioDrainMs ?? DEFAULT_STDIO_DRAIN_MS,
      ...(options.keeper ? { keeper: options.keeper } : {}),
    }),
    sleepJobType(),
  ];
}
