// The desktop app's log file: what it and the embedded engine report, one timestamped line each,
// in `<data folder>/logs/spincycle-desktop.log`, because an app started from Finder, the Start menu
// or a .desktop file has no terminal to show stderr. Help → "Open log folder" opens the folder.
// When the data folder cannot be written (one reason start-up fails), the log goes to the
// system's temporary folder instead; every line also goes to stderr. A log past LOG_LIMIT bytes
// is renamed to `.1` (one old log kept).

import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOG_NAME = 'spincycle-desktop.log';
export const LOG_LIMIT = 5 * 1024 * 1024;

export interface DesktopLog {
  /** The folder holding the log (Help → "Open log folder"). */
  readonly folder: string;
  /** The log file, or null when none could be opened (stderr only). */
  readonly file: string | null;
  /** Why the preferred folder was not used, if it was not. */
  readonly problem: string | null;
  write(line: string): void;
  close(): void;
}

interface LogOptions {
  /** Where to go when the data folder cannot be written (default: the system's temporary folder). */
  readonly fallbackDir?: string;
  readonly limit?: number;
  readonly now?: () => Date;
  readonly stderr?: (text: string) => void;
}

function openIn(folder: string, limit: number): { fd: number; size: number } {
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, LOG_NAME);
  const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  if (size >= limit) renameSync(file, `${file}.1`);
  return { fd: openSync(file, 'a', 0o600), size: size >= limit ? 0 : size };
}

export function openDesktopLog(dataDir: string, options: LogOptions = {}): DesktopLog {
  const limit = options.limit ?? LOG_LIMIT;
  const now = options.now ?? (() => new Date());
  const stderr = options.stderr ?? ((text: string) => void process.stderr.write(text));
  const preferred = path.join(dataDir, 'logs');
  const fallback = path.join(options.fallbackDir ?? os.tmpdir(), 'spincycle-console-logs');

  let folder = preferred;
  let problem: string | null = null;
  let opened: { fd: number; size: number } | null = null;
  for (const candidate of [preferred, fallback]) {
    try {
      opened = openIn(candidate, limit);
      folder = candidate;
      break;
    } catch (e) {
      problem ??= `cannot write the log in ${candidate}: ${(e as Error).message}`;
    }
  }
  let fd = opened?.fd ?? null;
  let size = opened?.size ?? 0;
  const file = fd === null ? null : path.join(folder, LOG_NAME);

  const log: DesktopLog = {
    folder,
    file,
    problem,
    write(line) {
      const text = `${now().toISOString()} ${line}\n`;
      stderr(text);
      if (fd === null || file === null) return;
      try {
        if (size >= limit) {
          closeSync(fd);
          ({ fd, size } = openIn(folder, limit));
        }
        size += writeSync(fd, text);
      } catch {
        // A full disk must not take the app down: stderr still has the line.
      }
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
  if (problem) log.write(`desktop: ${problem}`);
  return log;
}
