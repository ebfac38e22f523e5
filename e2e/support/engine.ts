// A Request Manager of its own for a test's second context (one it can kill): `spincycle server`
// with the example specs on free loopback ports and a throwaway data folder. (The console's
// embedded engine answers only the console's own `local` context, with its per-run secret.)

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { expect, type TestInfo } from '@playwright/test';
import type { AppShell } from '../pages/app-shell';
import { freePort } from './ports';
import { PROJECT_ROOT } from './web-bridge';

/**
 * A second engine (`spincycle server`) on free loopback ports, for a context of its own: the
 * example specs, or `specs`, and `args` added (e.g. --auth).
 */
export async function startEngine(
  options: { specs?: string; args?: string[]; headers?: Record<string, string> } = {},
): Promise<{ url: string; child: ChildProcess }> {
  const [rm, jr] = [await freePort(), await freePort()];
  const data = mkdtempSync(resolve(tmpdir(), 'spincycle-e2e-remote-'));
  const child = spawn(
    process.execPath,
    [
      resolve(PROJECT_ROOT, 'bin/spincycle.js'),
      'server',
      '--specs',
      options.specs ?? resolve(PROJECT_ROOT, 'resources/specs'),
      '--data',
      data,
      '--rm-addr',
      `127.0.0.1:${rm}`,
      '--jr-addr',
      `127.0.0.1:${jr}`,
      ...(options.args ?? []),
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${rm}`;
  // Up to 30 s: on a loaded machine (tests in parallel on two cores) starting takes a while.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    try {
      const res = await fetch(`${url}/api/v1/request-list`, { headers: options.headers ?? {} });
      if (res.ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the second engine did not answer within 30 s');
}

/**
 * Runs `flow` with a second engine added to the console as context `<prefix>-…` (switched to
 * when `switchTo`), and kills the engine after, whatever happened.
 */
export async function withEngineContext(
  shell: AppShell,
  testInfo: TestInfo,
  prefix: string,
  flow: (engine: { url: string; child: ChildProcess }, name: string) => Promise<void>,
  { switchTo = true } = {},
): Promise<void> {
  const engine = await startEngine();
  try {
    const name = `${prefix}-${testInfo.workerIndex}-${Date.now().toString(36)}`;
    await shell.open();
    await shell.addContext(name, engine.url, 'staging');
    if (switchTo) {
      await shell.switchContext(name);
      await expect(shell.contextEnv).toHaveText('staging');
      await expect(shell.offlineBanner).toBeHidden({ timeout: 20_000 });
    }
    await flow(engine, name);
  } finally {
    if (engine.child.exitCode === null) engine.child.kill('SIGKILL');
  }
}
