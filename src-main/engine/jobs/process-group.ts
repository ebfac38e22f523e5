// Runs `/bin/sh -c <command>` as the leader of its own process group (spawn detached: true,
// i.e. setsid), inside the try's container when there is one (its cgroup: try-keeper.ts), so
// that stopping it reaches every process the command started: SIGTERM to the whole group and
// cgroup, then SIGKILL after a grace period. Captures stdout and stderr (capped, spooled
// through the container, readable while it runs) and the real exit code, and follows the last
// line printed (the job's status).
//
// A try does not leave processes behind: when the shell exits, whatever it started that still
// runs (`cmd &`, and with a cgroup also `setsid` and daemonized children) gets SIGTERM, then
// SIGKILL after the grace, and stderr says so. Without a cgroup, a process that left the group
// (setsid, a daemon) is out of reach until the engine's next start (try-keeper.ts recover()).

import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { CappedOutput, type OutputReader } from './capped-output';
import { LastLine } from './last-line';
import type { TryContainer } from './try-keeper';

export interface ProcessGroupOptions {
  command: string;
  env: NodeJS.ProcessEnv;
  /** Terminates the group when aborted. */
  signal?: AbortSignal;
  maxOutputBytes: number;
  /** Between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /**
   * After the shell exits (and what it left running was told to stop), how long to wait for
   * stdout/stderr to close: a process that ignores SIGTERM would keep the job running.
   */
  stdioDrainMs: number;
  shell?: string;
  /** The try's cgroup and spool (none: process group only, output in memory only). */
  container?: TryContainer;
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
  /** What it printed so far, kept under the cap (live output). */
  readonly stdout: OutputReader;
  readonly stderr: OutputReader;
  /** The last line it printed on either stream, as plain text ('' before any). */
  lastLine(): string;
  /** SIGTERM to the group now, SIGKILL after the grace. Idempotent. */
  terminate(): void;
}

export function signalNumber(name: string): number {
  return (osConstants.signals as Record<string, number>)[name] ?? 0;
}

/** The line added to stderr (on a line of its own) when the shell exited leaving processes running. */
export function leftoversMarker(count: number | null, graceMs: number): string {
  const what = count === null ? 'processes' : `${count} process${count === 1 ? '' : 'es'}`;
  return `[spincycle: the command exited leaving ${what} running; sent SIGTERM, SIGKILL after ${graceMs} ms]\n`;
}

export function startProcessGroup(opts: ProcessGroupOptions): RunningProcessGroup {
  const shell = opts.shell ?? '/bin/sh';
  const container = opts.container;
  const [file, args] = container ? container.spawnArgs(shell, opts.command) : [shell, ['-c', opts.command]];
  const child = spawn(file, args, {
    detached: true,
    env: container ? { ...opts.env, ...container.env } : opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  const stdout = new CappedOutput(opts.maxOutputBytes, container?.stdout ?? null);
  const stderr = new CappedOutput(opts.maxOutputBytes, container?.stderr ?? null);
  const last = new LastLine();
  child.stdout?.on('data', (c: Buffer) => {
    stdout.write(c);
    last.see(c);
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr.write(c);
    last.see(c);
  });

  let terminated = false;
  let finished = false;
  let killTimer: NodeJS.Timeout | null = null;
  /** Signals the try's processes: how many (cgroup), -1 for "some" (process group), 0 for none. */
  const signalAll = (sig: NodeJS.Signals): number => {
    // Every process of the group is in the cgroup too (once the shell has entered it).
    const inCgroup = container?.signalAll(sig) ?? 0;
    if (inCgroup > 0 || pid === undefined) return inCgroup;
    try {
      process.kill(-pid, sig);
      return -1;
    } catch {
      return 0; // ESRCH: the group is gone already.
    }
  };
  /** SIGKILL after the grace, then the container is released. Runs even after the shell is gone. */
  const killLater = (): void => {
    killTimer ??= setTimeout(() => {
      signalAll('SIGKILL');
      container?.release();
    }, opts.killGraceMs);
  };
  const terminate = (): void => {
    if (terminated || pid === undefined) return;
    terminated = true;
    if (finished) return;
    signalAll('SIGTERM');
    killLater();
  };
  const onAbort = (): void => terminate();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) terminate();

  const result = new Promise<ProcessResult>((resolve) => {
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let drainTimer: NodeJS.Timeout | undefined;
    let leftovers = 0;
    const done = (spawnError: string | null): void => {
      if (finished) return;
      finished = true;
      if (drainTimer) clearTimeout(drainTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (killTimer === null) container?.release();
      const exit = spawnError !== null ? -1 : exitSignal !== null ? 128 + signalNumber(exitSignal) : (exitCode ?? -1);
      let errText = stderr.text();
      if (leftovers !== 0) {
        if (errText !== '' && !errText.endsWith('\n')) errText += '\n';
        errText += leftoversMarker(leftovers > 0 ? leftovers : null, opts.killGraceMs);
      }
      resolve({ exit, signal: exitSignal, spawnError, terminated, stdout: stdout.text(), stderr: errText });
    };
    child.on('error', (err) => {
      // Only a failure to spawn ends the run here; later errors (kill) are not fatal.
      if (pid === undefined) done(err.message);
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      if (!terminated) {
        leftovers = signalAll('SIGTERM');
        if (leftovers !== 0) killLater();
      }
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        done(null);
      }, opts.stdioDrainMs);
    });
    child.on('close', () => done(null));
  });

  return { pid, result, stdout, stderr, lastLine: () => last.text(), terminate };
}
