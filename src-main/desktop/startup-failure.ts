// A start-up that throws (a data folder that cannot be written, a better-sqlite3 addon built for
// another ABI...) must not leave a hidden process holding the single-instance lock, which made
// every relaunch quit at once. The failure is logged, a dialog says what failed and where the
// log is, anything already started is stopped, the lock is released and the app exits, so a
// relaunch tries again. Decided here, under Node; main.ts supplies the Electron parts.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface StartupFailurePorts {
  /** The log file the dialog points at (null: none could be written). */
  readonly logFile: string | null;
  log(line: string): void;
  /** A modal error dialog (dialog.showErrorBox); returns once the operator closed it. */
  showError(title: string, message: string): void;
  /** Stops whatever start-up got to start (the core: cache, engine). */
  stopStarted(): Promise<void>;
  releaseLock(): void;
  exit(code: number): void;
}

export const STARTUP_FAILURE_TITLE = 'Spin Cycle could not start';

const NATIVE_ABI =
  /NODE_MODULE_VERSION|compiled against a different Node\.js version|invalid ELF header|wrong ELF class|not a valid Win32 application|incompatible architecture|mach-o file, but is an incompatible/i;

/** What failed, in the operator's words, from the thrown error. */
export function explainStartupFailure(error: unknown): string {
  const e = (error instanceof Error ? error : new Error(String(error))) as NodeJS.ErrnoException;
  const where = e.path ? ` (${e.path})` : '';
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `The data folder cannot be written${where}: ${e.message}. Give your user write access to it, or set SPINCYCLE_DATA_DIR to a folder you can write.`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `Part of the data folder's path is a file, not a folder${where}: ${e.message}.`;
    case 'ENOSPC':
      return `The disk holding the data folder is full${where}: ${e.message}.`;
  }
  if (e.code === 'ERR_DLOPEN_FAILED' || NATIVE_ABI.test(e.message)) {
    return (
      `The database module (better-sqlite3) was built for another runtime: ${e.message}. ` +
      'Reinstall the app; in development run `npm run prepare:electron-sqlite`.'
    );
  }
  return e.message || String(error);
}

export function startupFailureMessage(error: unknown, logFile: string | null): string {
  const where = logFile
    ? `Details are in the log: ${logFile}`
    : 'No log file could be written; details went to the standard error output.';
  return `${explainStartupFailure(error)}\n\n${where}`;
}

/**
 * Throws (with the folder's path) unless `dir` exists or can be made, and a file can be written in
 * it. Checked before asking for the single-instance lock, which lives there and would otherwise
 * fail silently, quitting as if another instance ran.
 */
export function checkWritableFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const probe = path.join(dir, `.write-check-${process.pid}`);
  writeFileSync(probe, '');
  rmSync(probe, { force: true });
}

/** Reports a failed start-up and quits cleanly (never throws). */
export async function failStartup(error: unknown, ports: StartupFailurePorts): Promise<void> {
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  ports.log(`desktop: start-up failed: ${stack}`);
  try {
    ports.showError(STARTUP_FAILURE_TITLE, startupFailureMessage(error, ports.logFile));
  } catch (e) {
    ports.log(`desktop: could not show the error dialog: ${(e as Error).message}`);
  }
  try {
    await ports.stopStarted();
  } catch (e) {
    ports.log(`desktop: could not stop what had started: ${(e as Error).message}`);
  }
  ports.releaseLock();
  ports.exit(1);
}

/** Runs `start`; if it throws (or rejects), fails start-up as above. */
export async function guardStartup(start: () => void | Promise<void>, ports: StartupFailurePorts): Promise<void> {
  try {
    await start();
  } catch (error) {
    await failStartup(error, ports);
  }
}
