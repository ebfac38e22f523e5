// A Request Manager of its own for a test's second context: `spincycle server` with the example
// specs on free loopback ports and a throwaway data folder. (The console's embedded engine
// answers only the console's own `local` context, with its per-run secret.)

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { freePort } from './ports';
import { PROJECT_ROOT } from './web-bridge';

export async function startEngine(): Promise<{ url: string; child: ChildProcess }> {
  const [rm, jr] = [await freePort(), await freePort()];
  const data = mkdtempSync(resolve(tmpdir(), 'spincycle-e2e-remote-'));
  const child = spawn(
    process.execPath,
    [
      resolve(PROJECT_ROOT, 'bin/spincycle.js'),
      'server',
      '--specs',
      resolve(PROJECT_ROOT, 'resources/specs'),
      '--data',
      data,
      '--rm-addr',
      `127.0.0.1:${rm}`,
      '--jr-addr',
      `127.0.0.1:${jr}`,
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${rm}`;
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${url}/api/v1/request-list`);
      if (res.ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the second engine did not start');
}
