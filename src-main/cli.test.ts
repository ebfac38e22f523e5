// The `spincycle` entry as operators run it (bin/spincycle.js, a real process): help, engine
// commands routed to the engine, client commands to the client, exit codes.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from './console/embedded-engine';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/spincycle.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('spincycle', () => {
  it('prints both halves of the help', () => {
    const r = run('help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('spincycle server --specs DIR');
    expect(r.stdout).toContain('start <type> [k=v ...]');
    expect(run().status).toBe(2);
  });

  it('routes engine commands to the engine and the rest to the client', async () => {
    expect(run('server', '--help').stdout).toMatch(/^Usage: spincycle server --specs DIR/);
    const dead = `http://127.0.0.1:${await freePort()}`;
    const ps = run('--addr', dead, 'ps');
    expect(ps.status).toBe(3);
    expect(ps.stderr).toMatch(/^spincycle: cannot reach .*connection refused/);
    expect(run('server', '--specs').status).toBe(2);
  });
});
