// A start-up that throws: what the dialog says, that the lock is released and the app exits after
// stopping what had started, the write check made before taking the lock, and the log file the
// dialog points at (real files in temporary folders; the data folder made unusable by a file
// standing where a folder should be, which fails for root too).

import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startConsoleCore } from '../console/core';
import { LOG_NAME, openDesktopLog } from './desktop-log';
import {
  checkWritableFolder,
  explainStartupFailure,
  guardStartup,
  STARTUP_FAILURE_TITLE,
  startupFailureMessage,
  type StartupFailurePorts,
} from './startup-failure';

const tmp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

/** A data folder path that cannot be created: its parent is a file. */
function blockedDataDir(): string {
  const base = tmp('sc-blocked-');
  writeFileSync(path.join(base, 'not-a-folder'), '');
  return path.join(base, 'not-a-folder', 'spincycle-console');
}

function recordingPorts(logFile: string | null) {
  const calls: string[] = [];
  const ports: StartupFailurePorts = {
    logFile,
    log: (line) => calls.push(`log ${line.split('\n')[0]}`),
    showError: (title, message) => calls.push(`dialog ${title}: ${message}`),
    stopStarted: async () => void calls.push('stop'),
    releaseLock: () => calls.push('release lock'),
    exit: (code) => calls.push(`exit ${code}`),
  };
  return { ports, calls };
}

describe('guardStartup', () => {
  it('a data folder that cannot be made: logs, says what and where the log is, stops, releases the lock, exits 1', async () => {
    const dataDir = blockedDataDir();
    const { ports, calls } = recordingPorts('/home/op/.local/share/spincycle-console/logs/spincycle-desktop.log');
    await guardStartup(
      async () =>
        void (await startConsoleCore({
          appVersion: '0',
          runtime: 'test',
          dataDir,
          embeddedEngine: null,
          heartbeatMs: 0,
        })),
      ports,
    );
    expect(calls[0]).toMatch(/^log desktop: start-up failed: Error: ENOTDIR/);
    expect(calls[1]).toBe(
      `dialog ${STARTUP_FAILURE_TITLE}: Part of the data folder's path is a file, not a folder (${dataDir}): ` +
        `ENOTDIR: not a directory, mkdir '${dataDir}'.\n\n` +
        'Details are in the log: /home/op/.local/share/spincycle-console/logs/spincycle-desktop.log',
    );
    expect(calls.slice(2)).toEqual(['stop', 'release lock', 'exit 1']);
  });

  it('still releases the lock and exits when the dialog or the clean-up fails', async () => {
    const { ports, calls } = recordingPorts(null);
    await guardStartup(
      async () => {
        throw new Error('boom');
      },
      {
        ...ports,
        showError: () => {
          throw new Error('no display');
        },
        stopStarted: () => Promise.reject(new Error('cache busy')),
      },
    );
    expect(calls).toEqual([
      'log desktop: start-up failed: Error: boom',
      'log desktop: could not show the error dialog: no display',
      'log desktop: could not stop what had started: cache busy',
      'release lock',
      'exit 1',
    ]);
  });

  it('does nothing more when start-up succeeds', async () => {
    const { ports, calls } = recordingPorts(null);
    await guardStartup(() => undefined, ports);
    expect(calls).toEqual([]);
  });
});

describe('explainStartupFailure', () => {
  const errno = (code: string, message: string, file = '/data/spincycle-console') =>
    Object.assign(new Error(message), { code, path: file });

  it('names the cause an operator can act on', () => {
    expect(explainStartupFailure(errno('EACCES', "EACCES: permission denied, mkdir '/data/x'"))).toBe(
      "The data folder cannot be written (/data/spincycle-console): EACCES: permission denied, mkdir '/data/x'. " +
        'Give your user write access to it, or set SPINCYCLE_DATA_DIR to a folder you can write.',
    );
    expect(explainStartupFailure(errno('EROFS', 'read-only file system'))).toMatch(
      /^The data folder cannot be written/,
    );
    expect(explainStartupFailure(errno('ENOSPC', 'no space left on device'))).toMatch(/^The disk holding the data/);
    const abi = Object.assign(
      new Error(
        "The module '/opt/Spin Cycle/resources/app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node' " +
          'was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 140.',
      ),
      { code: 'ERR_DLOPEN_FAILED' },
    );
    expect(explainStartupFailure(abi)).toMatch(
      /^The database module \(better-sqlite3\) was built for another runtime: /,
    );
    expect(explainStartupFailure(abi)).toMatch(/npm run prepare:electron-sqlite/);
    expect(explainStartupFailure('a string')).toBe('a string');
  });

  it('says so when no log could be written', () => {
    expect(startupFailureMessage(new Error('x'), null)).toBe(
      'x\n\nNo log file could be written; details went to the standard error output.',
    );
  });
});

describe('checkWritableFolder', () => {
  it('makes the folder and leaves nothing behind', () => {
    const dir = path.join(tmp('sc-write-'), 'a', 'b');
    checkWritableFolder(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('throws with the path when the folder cannot be made', () => {
    const dir = blockedDataDir();
    expect(() => checkWritableFolder(dir)).toThrow(expect.objectContaining({ code: 'ENOTDIR', path: dir }));
  });
});

describe('openDesktopLog', () => {
  const clock = () => new Date('2026-03-04T05:06:07.089Z');

  it('writes timestamped lines to <data>/logs, and to stderr', () => {
    const dataDir = tmp('sc-log-');
    const stderr: string[] = [];
    const log = openDesktopLog(dataDir, { now: clock, stderr: (t) => stderr.push(t) });
    log.write('desktop: started');
    log.close();
    expect(log.folder).toBe(path.join(dataDir, 'logs'));
    expect(log.file).toBe(path.join(dataDir, 'logs', LOG_NAME));
    expect(readFileSync(log.file ?? '', 'utf8')).toBe('2026-03-04T05:06:07.089Z desktop: started\n');
    expect(stderr).toEqual(['2026-03-04T05:06:07.089Z desktop: started\n']);
  });

  it('falls back to the temporary folder when the data folder cannot be written, and says so', () => {
    const dataDir = blockedDataDir();
    const fallbackDir = tmp('sc-log-fallback-');
    const log = openDesktopLog(dataDir, { fallbackDir, now: clock, stderr: () => undefined });
    log.write('desktop: start-up failed');
    log.close();
    expect(log.folder).toBe(path.join(fallbackDir, 'spincycle-console-logs'));
    expect(log.problem).toMatch(new RegExp(`^cannot write the log in ${dataDir}/logs: ENOTDIR`));
    const text = readFileSync(log.file ?? '', 'utf8');
    expect(text).toContain(`desktop: cannot write the log in ${dataDir}/logs`);
    expect(text).toContain('desktop: start-up failed');
  });

  it('keeps stderr only when no folder works', () => {
    const log = openDesktopLog(blockedDataDir(), { fallbackDir: blockedDataDir(), stderr: () => undefined });
    expect(log.file).toBeNull();
    expect(() => log.write('still fine')).not.toThrow();
  });

  it('moves a log past its limit to .1, at start and while running', () => {
    const dataDir = tmp('sc-log-');
    const first = openDesktopLog(dataDir, { limit: 100, now: clock, stderr: () => undefined });
    first.write('x'.repeat(120));
    first.write('after the limit');
    first.close();
    const file = first.file ?? '';
    expect(readFileSync(`${file}.1`, 'utf8')).toContain('x'.repeat(120));
    expect(readFileSync(file, 'utf8')).toBe('2026-03-04T05:06:07.089Z after the limit\n');
    expect(existsSync(`${file}.1`)).toBe(true);
  });
});
