// The engine supervisor with a pluggable launcher (what the desktop shell uses for Electron's
// utilityProcess): a stand-in launcher serves the RM's probe on the given port, so start,
// crash, restart, giving up and stop are exercised without the real engine; the last test
// gives up on the real engine failing the same way (service.test.ts runs it healthy).

import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EmbeddedEngineState, StatusEvent } from '../shared/ipc';
import { startConsoleCore } from './core';
import { EmbeddedEngine, type EngineLaunch, type EngineProcess } from './embedded-engine';

/** Stand-in engine process: an HTTP server on --rm-addr answering the request-list probe. */
function fakeEngine(launch: EngineLaunch) {
  const rmAddr = launch.args[launch.args.indexOf('--rm-addr') + 1] ?? '';
  const port = Number(rmAddr.split(':')[1]);
  const server = http.createServer((_req, res) => res.end('[]')).listen(port, '127.0.0.1');
  const stderr = new PassThrough();
  const exits: Array<(why: string) => void> = [];
  let ended: string | null = null;
  const end = (why: string) => {
    if (ended) return;
    ended = why;
    server.close();
    server.closeAllConnections();
    exits.splice(0).forEach((l) => l(why));
  };
  const proc: EngineProcess = {
    pid: 4242,
    stderr,
    kill: (signal) => end(`killed by ${signal}`),
    onExit: (l) => (ended ? l(ended) : exits.push(l)),
  };
  return {
    proc,
    stderr,
    crash: () => {
      stderr.end('level=error msg=boom\n');
      end('exited with code 1');
    },
  };
}

describe('EmbeddedEngine with a launcher', () => {
  it('starts through the launcher, restarts after a crash, and stops it', async () => {
    const launched: Array<ReturnType<typeof fakeEngine> & { launch: EngineLaunch }> = [];
    const states: EmbeddedEngineState[] = [];
    const logs: string[] = [];
    const cliPath = '/app/bin/spincycle.js';
    const engine = new EmbeddedEngine({
      cliPath,
      specsDir: '/app/resources/specs',
      dataDir: mkdtempSync(path.join(tmpdir(), 'sc-engine-fake-')),
      onState: (s) => states.push(s),
      onLog: (l) => logs.push(l),
      launcher: (launch) => {
        const fake = fakeEngine(launch);
        launched.push({ ...fake, launch });
        return fake.proc;
      },
    });
    const url = await engine.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(launched[0]?.launch).toMatchObject({ script: cliPath, cwd: '/app/bin' });
    expect(launched[0]?.launch.args.slice(0, 3)).toEqual(['server', '--specs', '/app/resources/specs']);
    expect(engine.pid).toBe(4242);
    launched[0]?.stderr.write('level=info msg=hello\npartial');
    await expect.poll(() => logs).toEqual(['level=info msg=hello']); // 'partial' waits for its newline

    launched[0]?.crash();
    await expect.poll(() => states.includes('failed')).toBe(true);
    await expect.poll(() => states.at(-1), { timeout: 5000 }).toBe('running');
    expect(launched).toHaveLength(2);
    expect(launched[1]?.launch.args).toEqual(launched[0]?.launch.args); // same ports: the URL stays valid

    await engine.stop();
    expect(states.slice(-2)).toEqual(['stopping', 'stopped']);
    expect(engine.pid).toBeUndefined();
  });
});

/** A launcher whose engine writes `lines` to stderr and exits with code 1 at once. */
function failingLauncher(lines: string) {
  const launches: EngineLaunch[] = [];
  const launcher = (launch: EngineLaunch): EngineProcess => {
    launches.push(launch);
    const stderr = new PassThrough();
    const exits: Array<(why: string) => void> = [];
    setTimeout(() => {
      stderr.end(lines);
      exits.splice(0).forEach((l) => l('exited with code 1'));
    }, 5);
    return { pid: 7000 + launches.length, stderr, kill: () => undefined, onExit: (l) => exits.push(l) };
  };
  return { launcher, launches };
}

const fastPauses = { pauseMs: () => 20 };

describe('EmbeddedEngine giving up', () => {
  it('stops restarting after three identical failures and says why, with the last stderr line', async () => {
    const { launcher, launches } = failingLauncher(
      '2026-01-02T03:04:05.000Z rm info starting\nspincycle server: file is not a database\nRun spincycle server --help for usage.\n',
    );
    const states: Array<[EmbeddedEngineState, string | undefined]> = [];
    const engine = new EmbeddedEngine({
      cliPath: '/app/bin/spincycle.js',
      specsDir: '/app/resources/specs',
      dataDir: mkdtempSync(path.join(tmpdir(), 'sc-engine-fake-')),
      launcher,
      restart: fastPauses,
      onState: (s, d) => states.push([s, d]),
    });
    const reason =
      'stopped restarting after 3 identical failures: exited with code 1: spincycle server: file is not a database';
    await expect(engine.start()).rejects.toThrow(`the embedded engine ${reason}`);
    expect(states.at(-1)).toEqual(['failed', reason]);
    expect(states.filter(([s]) => s === 'failed').map(([, d]) => d)).toEqual([
      'exited with code 1: spincycle server: file is not a database; restarting in 20 ms',
      'exited with code 1: spincycle server: file is not a database; restarting in 20 ms',
      reason,
    ]);
    // No more attempts after giving up.
    await new Promise((r) => setTimeout(r, 200));
    expect(launches).toHaveLength(3);
    await engine.stop();
  });

  it('kills an engine that never answers and counts that as a failure', async () => {
    const killed: string[] = [];
    const engine = new EmbeddedEngine({
      cliPath: '/app/bin/spincycle.js',
      specsDir: '/app/resources/specs',
      dataDir: mkdtempSync(path.join(tmpdir(), 'sc-engine-fake-')),
      startTimeoutMs: 300,
      restart: { ...fastPauses, identicalFailures: 2 },
      launcher: () => {
        const exits: Array<(why: string) => void> = [];
        return {
          pid: 1,
          stderr: null,
          kill: (signal) => {
            killed.push(signal);
            exits.splice(0).forEach((l) => l(`killed by ${signal}`));
          },
          onExit: (l) => exits.push(l),
        };
      },
    });
    await expect(engine.start()).rejects.toThrow(
      /stopped restarting after 2 identical failures: did not answer at http:\/\/127\.0\.0\.1:\d+ within 300 ms/,
    );
    expect(killed).toEqual(['SIGKILL', 'SIGKILL']);
  });
});

describe('the console core with an engine that cannot start', () => {
  it('shows the give-up and its reason in the status event instead of restarting forever', async () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sc-core-'));
    // The engine's data folder is taken by a file: the real engine fails the same way each time.
    writeFileSync(path.join(dataDir, 'engine'), 'not a folder');
    const statuses: StatusEvent[] = [];
    const logs: string[] = [];
    const core = await startConsoleCore({
      appVersion: '0.0.0',
      runtime: 'node',
      heartbeatMs: 0,
      dataDir,
      log: (line) => logs.push(line),
      embeddedEngine: {
        cliPath: path.join(root, 'bin/spincycle.js'),
        specsDir: path.join(root, 'resources/specs'),
      },
    });
    core.events.subscribe((f) => f.event === 'status' && statuses.push(f.payload), { replay: true });
    try {
      await expect
        .poll(() => statuses.at(-1)?.engineDetail ?? '', { timeout: 30_000 })
        .toMatch(/^stopped restarting after 3 identical failures: exited with code 1: spincycle server: EEXIST/);
      expect(statuses.at(-1)).toMatchObject({ embeddedEngine: 'failed' });
      expect(statuses.at(-1)?.engineDetail).toContain(path.join(dataDir, 'engine'));
      expect(logs.filter((l) => l.includes('restarting in'))).toHaveLength(2);
      expect(logs.at(-1)).toMatch(/^console: embedded engine stopped restarting after 3 identical failures/);
    } finally {
      await core.stop();
    }
  }, 40_000);
});
