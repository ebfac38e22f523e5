// A real small filesystem for the disk-full cases: a tmpfs mounted on a temp folder (needs root,
// as on the CI machine and this one). Where it cannot be mounted the cases are skipped with the
// reason in their title, except under CI=true, where that is a failure: CI must run them.

import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Changes the size (in MiB) of the mounted filesystem; shrinking below what is used fails. */
  resize(mib: number): void;
  remove(): void;
}

const run = (args: string[]) => execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Mounts a tmpfs of `mib` MiB on `at` (an empty folder it makes; default a new temp folder), or says why it cannot. */
export function mountTmpfs(mib: number, at?: string): { ok: true; fs: Tmpfs } | { ok: false; reason: string } {
  const dir = at ?? mkdtempSync(path.join(tmpdir(), 'spincycle-tmpfs-'));
  mkdirSync(dir, { recursive: true });
  try {
    run(['-t', 'tmpfs', '-o', `size=${mib}m,mode=700`, 'tmpfs', dir]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return { ok: false, reason: stderr || (err as Error).message };
  }
  return {
    ok: true,
    fs: {
      dir,
      resize: (size) => void run(['-o', `remount,size=${size}m`, dir]),
      remove: () => {
        execFileSync('umount', ['-l', dir]);
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}

/** CI must run the disk-full cases: there, not being able to mount is an error, not a skip. */
export const mustMount = process.env.CI === 'true' || process.env.CI === '1';

/** Writes a file until the filesystem is full; removing it frees the space again. */
export function fillUp(dir: string): { free(): void } {
  const file = path.join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    // The last few bytes too: a 16 KiB chunk may not fit where 1 byte still does.
    try {
      for (;;) writeSync(fd, chunk, 0, 1);
    } catch {
      // full
    }
  } finally {
    closeSync(fd);
  }
  return { free: () => rmSync(file) };
}
