// Telling processes apart on Linux through /proc: a pid is reused, (pid, start time) is not;
// and a try's processes carry its token in their environment (SPINCYCLE_TRY_TOKEN), which
// survives setsid and double forks unless a process clears its environment.

import { readFileSync, readdirSync } from 'node:fs';

/** The start time of `pid` (clock ticks since boot, /proc/<pid>/stat field 22), or null if it is gone. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return null; // a zombie has ended
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/** This process, as (pid, start time); start time 0 where /proc is not there. */
export function ownIdentity(): { pid: number; startTime: number } {
  return { pid: process.pid, startTime: processStartTime(process.pid) ?? 0 };
}

/** Whether the process identified by (pid, start time) still runs (by pid alone without /proc: start time 0). */
export function isRunning(pid: number, startTime: number): boolean {
  if (startTime !== 0) return processStartTime(pid) === startTime;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of the processes whose environment has `name` set to one of `values` (those readable). */
export function processesWithEnv(name: string, values: ReadonlySet<string>): number[] {
  if (values.size === 0) return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const prefix = `${name}=`;
  const found: number[] = [];
  for (const entry of entries) {
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // gone, or not ours to read
    }
    for (const kv of environ.split('\0')) {
      if (kv.startsWith(prefix) && values.has(kv.slice(prefix.length))) {
        found.push(Number(entry));
        break;
      }
    }
  }
  return found;
}
