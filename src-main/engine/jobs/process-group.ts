// Runs `/bin/sh -c <command>` as the leader of its own process group (spawn detached: true,
// i.e. setsid), so that stopping it reaches every process the command started: SIGTERM to the
// whole group, then SIGKILL after a grace period. Captures stdout and stderr (capped) and the
// real exit code.

import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { CappedOutput } from './capped-output';

export interface ProcessGroupOptions {
  command: string;
  env: NodeJS.ProcessEnv;
  /** Terminates the group when aborted. */
  signal?: AbortSignal;
  maxOutputBytes: number;
  /** Between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /**
   * After the shell exits, how long to wait for its stdout/stderr to close. A background
   * process still holding them (`cmd &`) would otherwise keep the job running for ever.
   */
  stdioDrainMs: number;
  shell?: string;
}

export interface ProcessResult {
  /** Exit code; 128+n when killed by signal n; -1 when the shell could not be started. */
  exit: number;
  /** The signal that killed the shell, e.g. `SIGTERM`. */
  signal: string | null;
  /** Set when the shell could not be started. */
  spawnError: string | null;
  /** True once terminate() was called or the abort signal fired. */
  terminated: boolean;
  stdout: string;
  stderr: string;
}

export interface RunningProcessGroup {
  /** Process id of the shell = the process group id. */
  readonly pid: number | undefined;
  readonly result: Promise<ProcessResult>;
  /** SIGTERM to the group now, SIGKILL after the grace. Idempotent. */
  terminate(): void;
}

export function signalNumber(name: string): number {
  return (osConstants.signals as Record<string, number>)[name] ?? 0;
}

export function startProcessGroup(opts: ProcessGroupOptions): RunningProcessGroup {
  const child = spawn(opts.shell ?? '/bin/sh', ['-c', opts.command], {
    detached: true,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  const stdout = new CappedOutput(opts.maxOutputBytes);
  const stderr = new CappedOutput(opts.maxOutputBytes);
  child.stdout?.on('data', (c: Buffer) => stdout.write(c));
  child.stderr?.on('data', (c: Buffer) => stderr.write(c));

  let terminated = false;
  let finished = false;
  const signalGroup = (sig: NodeJS.Signals): void => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // ESRCH: the group is gone already.
    }
  };
  const terminate = (): void => {
    if (terminated || pid === undefined) return;
    terminated = true;
    if (finished) return;
    signalGroup('SIGTERM');
    // Runs even after the shell is gone: children that ignored SIGTERM must die too.
    setTimeout(() => signalGroup('SIGKILL'), opts.killGraceMs);
  };
  const onAbort = (): void => terminate();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) terminate();

  const result = new Promise<ProcessResult>((resolve) => {
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let drainTimer: NodeJS.Timeout | undefined;
    const done = (spawnError: string | null): void => {
      if (finished) return;
      finished = true;
      if (drainTimer) clearTimeout(drainTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      const exit = spawnError !== null ? -1 : exitSignal !== null ? 128 + signalNumber(exitSignal) : (exitCode ?? -1);
      resolve({
        exit,
        signal: exitSignal,
        spawnError,
        terminated,
        stdout: stdout.text(),
        stderr: stderr.text(),
      });
    };
    child.on('error', (err) => {
      // Only a failure to spawn ends the run here; later errors (kill) are not fatal.
      if (pid === undefined) done(err.message);
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        done(null);
      }, opts.stdioDrainMs);
    });
    child.on('close', () => done(null));
  });

  return { pid, result, terminate };
}
