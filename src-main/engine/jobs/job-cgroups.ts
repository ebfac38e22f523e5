// Linux cgroup v2: one cgroup per try of a shell job, so that every process the try starts
// (background children, `setsid` or double-forked daemons included: no process can leave its
// cgroup without privileges) can be listed and killed, through cgroup.kill (Linux 5.14+).
//
// The engine makes `spincycle-jobs.<pid>.<start time>` under its own cgroup, and a `t<n>`
// cgroup in it per try; the try's shell moves itself in before it runs the command (so nothing
// escapes in between). Where this cannot work (no cgroup2 mount, no write access to the
// engine's cgroup, no cgroup.kill, not Linux) `detectCgroups` says why and the engine falls
// back to process groups (process-group.ts).
//
// At start, what a dead engine left behind (its `spincycle-jobs.*` folders next to ours, whose
// owner process is gone) is killed and removed.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ownIdentity, processStartTime } from './process-identity';

const PARENT_PREFIX = 'spincycle-jobs.';

/** The cgroup of one try. */
export class TryCgroup {
  constructor(readonly dir: string) {}

  /** The file the try's shell writes `0` to, to move itself in. */
  get procsFile(): string {
    return path.join(this.dir, 'cgroup.procs');
  }

  /** Processes in the cgroup now. */
  pids(): number[] {
    try {
      return readFileSync(this.procsFile, 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Sends `signal` to every process in it (SIGKILL through cgroup.kill); returns how many there were. */
  signal(signal: NodeJS.Signals): number {
    const pids = this.pids();
    if (pids.length === 0) return 0;
    if (signal === 'SIGKILL') {
      killCgroup(this.dir);
      return pids.length;
    }
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
    }
    return pids.length;
  }

  /** Kills what is left and removes the cgroup, retrying (in the background) while the kernel reaps. */
  remove(attempt = 0): void {
    killCgroup(this.dir);
    try {
      rmdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || attempt >= 100) return;
      setTimeout(() => this.remove(attempt + 1), 20).unref();
    }
  }
}

export class JobCgroups {
  private next = 0;

  private constructor(readonly dir: string) {}

  /** A new, empty cgroup for one try. */
  create(): TryCgroup {
    const dir = path.join(this.dir, `t${++this.next}`);
    mkdirSync(dir);
    return new TryCgroup(dir);
  }

  /** Kills every try's processes and removes the engine's cgroups (on shutdown). */
  close(): void {
    removeCgroup(this.dir);
  }

  /**
   * Uses cgroups if this machine lets the engine: makes its parent cgroup and proves a shell
   * can move itself into a child. Otherwise returns why not.
   */
  static detect(): JobCgroups | { unavailable: string } {
    if (process.platform !== 'linux') return { unavailable: `cgroups are Linux only (this is ${process.platform})` };
    const own = ownCgroupDir();
    if ('unavailable' in own) return own;
    reapDeadSiblings(own.dir);
    const me = ownIdentity();
    const dir = path.join(own.dir, `${PARENT_PREFIX}${me.pid}.${me.startTime}`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      return { unavailable: `cannot create a cgroup under ${own.dir}: ${(err as Error).message}` };
    }
    if (!existsSync(path.join(dir, 'cgroup.kill'))) {
      removeCgroup(dir);
      return { unavailable: 'the kernel has no cgroup.kill (Linux 5.14+ needed)' };
    }
    const probe = path.join(dir, 'probe');
    try {
      mkdirSync(probe);
      const moved = spawnSync('/bin/sh', ['-c', 'echo 0 > "$1"', 'sh', path.join(probe, 'cgroup.procs')], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 10_000,
      });
      if (moved.status !== 0) {
        throw new Error(moved.stderr?.toString().trim() || `exit ${moved.status ?? moved.signal}`);
      }
    } catch (err) {
      removeCgroup(dir);
      return { unavailable: `a job cannot enter a cgroup under ${own.dir}: ${(err as Error).message}` };
    }
    removeCgroup(probe);
    return new JobCgroups(dir);
  }
}

/** The engine's own cgroup (v2) as a folder, from /proc/self/cgroup and the cgroup2 mounts. */
function ownCgroupDir(): { dir: string } | { unavailable: string } {
  let rel: string | undefined;
  let mounts: string[];
  try {
    rel = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'))
      ?.slice(3);
    // mountinfo: "... <mount point> <options> - <fstype> <source> <super options>"
    mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l.split(' - ')[1]?.startsWith('cgroup2 '))
      .map((l) => l.split(' ')[4] as string);
  } catch (err) {
    return { unavailable: `cannot read /proc: ${(err as Error).message}` };
  }
  if (rel === undefined) return { unavailable: 'the engine is in no cgroup v2 hierarchy' };
  if (mounts.length === 0) return { unavailable: 'no cgroup2 filesystem is mounted' };
  for (const mount of mounts) {
    const dir = path.join(mount, rel);
    if (existsSync(path.join(dir, 'cgroup.procs'))) return { dir };
  }
  return { unavailable: `the engine's cgroup ${rel} is not visible under ${mounts.join(', ')}` };
}

function killCgroup(dir: string): void {
  try {
    writeFileSync(path.join(dir, 'cgroup.kill'), '1');
  } catch {
    // gone already
  }
}

/**
 * Kills and removes `dir` and the cgroups in it, waiting (at most 2 s, blocking: only at start
 * and shutdown) for the kernel to reap the killed processes.
 */
function removeCgroup(dir: string): void {
  let children: string[];
  try {
    children = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join(dir, e.name));
  } catch {
    return; // gone
  }
  for (const child of children) removeCgroup(child);
  killCgroup(dir);
  const deadline = Date.now() + 2000;
  for (;;) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/** Kills and removes the cgroups of engines that are gone (same parent as ours). */
function reapDeadSiblings(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(PARENT_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const [pid, startTime] = name.slice(PARENT_PREFIX.length).split('.').map(Number);
    if (pid === undefined || startTime === undefined || Number.isNaN(pid)) continue;
    if (processStartTime(pid) === startTime) continue; // its engine still runs
    removeCgroup(path.join(parent, name));
  }
}

/** Kills and removes a try cgroup recorded by an engine that is gone (start-up recovery). */
export function reapRecordedCgroup(dir: string): void {
  if (path.basename(path.dirname(dir)).startsWith(PARENT_PREFIX)) removeCgroup(dir);
}
