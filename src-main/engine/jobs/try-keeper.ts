// Keeps every try of a shell job contained and recorded, so that nothing it started outlives the
// engine and what it printed survives the engine being killed:
// - each try gets a token (SPINCYCLE_TRY_TOKEN in its processes' environment), its own cgroup
//   where the machine allows it (job-cgroups.ts; else its process group only), and a spool
//   folder under the data folder (try-spool.ts);
// - at start, recover() kills the processes of tries whose engine is gone (their cgroup, and
//   every process carrying their token: that reaches `setsid` children too) and returns their
//   job logs, built from the spool: FAIL, with the output printed until then;
// - close() kills the processes of the tries still running (shutdown).
// Without a data folder (':memory:' engines, tests) tries are contained but not spooled.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { STATE_FAIL, type JobLog } from '../../shared/proto';
import type { Logger } from '../log';
import type { OutputSink } from './capped-output';
import { JobCgroups, reapRecordedCgroup, type TryCgroup } from './job-cgroups';
import { ownIdentity, processesWithEnv } from './process-identity';
import { TrySpool, type SpooledTry } from './try-spool';

export const TRY_TOKEN_ENV = 'SPINCYCLE_TRY_TOKEN';

/** The error of a log recovered from the spool. */
export const INTERRUPTED_TRY =
  'interrupted: the job runner stopped (killed or crashed) before this try ended and was logged; ' +
  'the output printed until then is kept, the processes it left were killed when the job runner started again';

/** What process-group.ts needs from the keeper for one try. */
export interface TryContainer {
  /** Added to the shell's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The program and arguments that run `command` with `shell`, inside the container. */
  spawnArgs(shell: string, command: string): [string, string[]];
  readonly stdout: OutputSink | null;
  readonly stderr: OutputSink | null;
  /** Sends `signal` to every process of the try's cgroup; how many there were (0 without one). */
  signalAll(signal: NodeJS.Signals): number;
  /** The try is over and its processes are gone or SIGKILLed: drop its cgroup and spool. */
  release(): void;
}

export interface TryIdentity {
  requestId: string;
  jobId: string;
  try: number;
}

/** A job log rebuilt from the spool, and how to forget it once it is stored. */
export interface RecoveredTry {
  log: JobLog;
  remove(): void;
}

/**
 * The shell runs `exec sh -c "$cmd"` once it has moved itself into the cgroup; if it cannot,
 * it says so on stderr and runs the command in its process group alone.
 */
const ENTER_CGROUP =
  'echo 0 2>/dev/null >"$1" || echo "spincycle: could not enter the cgroup $1; the job runs in its process group only" >&2; shift; exec "$0" -c "$1"';

export class TryKeeper {
  private readonly live = new Set<TryCgroup>();

  private constructor(
    private readonly cgroups: JobCgroups | null,
    private readonly spool: TrySpool | null,
    private readonly logger: Logger,
    /** Why there are no cgroups (null when there are). */
    readonly cgroupsUnavailable: string | null,
  ) {}

  /**
   * Detects cgroups (unless `cgroups` is false), opens the spool under `spoolDir` (null: none).
   */
  static open(spoolDir: string | null, logger: Logger, options: { cgroups?: boolean } = {}): TryKeeper {
    const detected = options.cgroups === false ? { unavailable: 'turned off' } : JobCgroups.detect();
    const cgroups = detected instanceof JobCgroups ? detected : null;
    const why = detected instanceof JobCgroups ? null : detected.unavailable;
    return new TryKeeper(cgroups, spoolDir === null ? null : new TrySpool(spoolDir), logger, why);
  }

  /** How a try's processes are held, for the start-up log line: its cgroup folder, or why not. */
  get containment(): string {
    return this.cgroups ? `cgroup ${this.cgroups.dir}/t<n>` : `process group (no cgroup: ${this.cgroupsUnavailable})`;
  }

  /** Contains and records one try (before its shell starts). */
  begin(id: TryIdentity): TryContainer {
    const token = randomBytes(12).toString('hex');
    let cgroup: TryCgroup | null = null;
    try {
      cgroup = this.cgroups?.create() ?? null;
    } catch (err) {
      this.logger.warn('cannot create a cgroup for a try; it runs in its process group only', {
        requestId: id.requestId,
        jobId: id.jobId,
        error: (err as Error).message,
      });
    }
    let spooled: SpooledTry | null = null;
    try {
      spooled =
        this.spool?.begin({
          requestId: id.requestId,
          jobId: id.jobId,
          try: id.try,
          type: 'shell',
          startedAt: (BigInt(Date.now()) * 1_000_000n).toString(),
          owner: ownIdentity(),
          token,
          cgroup: cgroup?.dir ?? null,
        }) ?? null;
    } catch (err) {
      this.logger.warn('cannot spool a try; its output is kept in memory only', {
        requestId: id.requestId,
        jobId: id.jobId,
        error: (err as Error).message,
      });
    }
    if (cgroup) this.live.add(cgroup);
    const live = this.live;
    return {
      env: { [TRY_TOKEN_ENV]: token },
      spawnArgs: (shell, command) =>
        cgroup ? [shell, ['-c', ENTER_CGROUP, shell, cgroup.procsFile, command]] : [shell, ['-c', command]],
      stdout: spooled?.stdout ?? null,
      stderr: spooled?.stderr ?? null,
      signalAll: (signal) => cgroup?.signal(signal) ?? 0,
      release() {
        if (cgroup) {
          live.delete(cgroup);
          cgroup.remove();
        }
        spooled?.remove();
      },
    };
  }

  /**
   * Start-up: kills what the tries of dead engines left running and returns their logs (FAIL,
   * with the spooled output). Each must be removed once its log is stored.
   */
  recover(): RecoveredTry[] {
    if (!this.spool) return [];
    const leftovers = this.spool.leftovers();
    for (const t of leftovers) if (t.record.cgroup) reapRecordedCgroup(t.record.cgroup);
    const stray = processesWithEnv(TRY_TOKEN_ENV, new Set(leftovers.map((t) => t.record.token)));
    for (const pid of stray) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    if (leftovers.length > 0) {
      this.logger.warn('recovered tries interrupted by the last shutdown', {
        tries: leftovers.length,
        processesKilled: stray.length,
        spool: this.spool.dir,
      });
    }
    return leftovers.map((t) => ({
      log: {
        requestId: t.record.requestId,
        jobId: t.record.jobId,
        try: t.record.try,
        type: t.record.type,
        startedAt: BigInt(t.record.startedAt),
        finishedAt: t.lastWriteNs,
        state: STATE_FAIL,
        exit: -1,
        error: INTERRUPTED_TRY,
        stdout: t.stdout,
        stderr: t.stderr,
      },
      remove: t.remove,
    }));
  }

  /** Shutdown: SIGKILLs every try still running and removes the engine's cgroups. */
  close(): void {
    this.live.clear();
    this.cgroups?.close();
  }
}

/** The spool folder of an engine with data folder `dataDir`. */
export const spoolDirOf = (dataDir: string) => path.join(dataDir, 'spool');
