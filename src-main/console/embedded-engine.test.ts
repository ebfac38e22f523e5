// The engine supervisor with a pluggable launcher (what the desktop shell uses for Electron's
// utilityProcess): a stand-in launcher serves the RM's probe on the given port, so start,
// crash, restart and stop are exercised without the real engine (service.test.ts runs that).

import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EmbeddedEngineState } from '../shared/ipc';
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
  return { proc, stderr, crash: () => end('exited with code 1') };
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
    await new Promise((r) => setTimeout(r, 10));
    expect(logs).toEqual(['level=info msg=hello']);

    launched[0]?.crash();
    expect(states.at(-1)).toBe('failed');
    await expect.poll(() => states.at(-1), { timeout: 5000 }).toBe('running');
    expect(launched).toHaveLength(2);
    expect(launched[1]?.launch.args).toEqual(launched[0]?.launch.args); // same ports: the URL stays valid

    await engine.stop();
    expect(states.slice(-2)).toEqual(['stopping', 'stopped']);
    expect(engine.pid).toBeUndefined();
  });
});
