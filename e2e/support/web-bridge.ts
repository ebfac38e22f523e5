// Starts the real web entry point (src-main/web/serve.ts, compiled to out/main/serve.js) as a
// child process on a free port with a known token, and hands its URL to the tests through
// environment variables.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

/** What the tests need to reach the bridge; published as SPINCYCLE_E2E_* variables. */
export interface BridgeInfo {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
}

const ENV_URL = 'SPINCYCLE_E2E_URL';
const ENV_TOKEN = 'SPINCYCLE_E2E_TOKEN';

export function publishBridge(info: BridgeInfo): void {
  process.env[ENV_URL] = info.url;
  process.env[ENV_TOKEN] = info.token;
}

export function readBridge(): BridgeInfo {
  const url = process.env[ENV_URL];
  const token = process.env[ENV_TOKEN];
  if (!url || !token) throw new Error('web bridge not started: run the tests through playwright.config.ts');
  return { url, origin: new URL(url).origin, token };
}

export interface RunningBridge extends BridgeInfo {
  stop(): Promise<void>;
}

export interface BridgeOptions {
  readonly timeoutMs?: number;
  /** Its own data folder (default: SPINCYCLE_DATA_DIR, else a fresh one). */
  readonly dataDir?: string;
  /** The `navigate` trigger (src-main/web/test-trigger.ts); it reaches every page connected. */
  readonly testHooks?: boolean;
}

export async function startBridgeProcess(options: BridgeOptions = {}): Promise<RunningBridge> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const entry = resolve(PROJECT_ROOT, 'out/main/serve.js');
  if (!existsSync(entry) || !existsSync(resolve(PROJECT_ROOT, 'out/renderer/index.html'))) {
    throw new Error('the app is not built: run `npm run build` (the Playwright global setup does it)');
  }
  const token = process.env.SPINCYCLE_WEB_TOKEN || randomBytes(24).toString('base64url');
  // A fresh data folder per run: the cache and the embedded engine's store start empty.
  const dataDir = options.dataDir || process.env.SPINCYCLE_DATA_DIR || mkdtempSync(resolve(tmpdir(), 'spincycle-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [entry], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      SPINCYCLE_DATA_DIR: dataDir,
      SPINCYCLE_WEB_TOKEN: token,
      SPINCYCLE_WEB_PORT: process.env.SPINCYCLE_WEB_PORT ?? '0',
      SPINCYCLE_E2E_HOOKS: options.testHooks ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`web bridge did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Spin Cycle console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web bridge exited with ${code}:\n${output}`));
    });
  });

  return {
    url,
    origin: new URL(url).origin,
    token,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
