// Entry point of the web mode: starts console main's core under plain Node and serves it
// with the built renderer on http://127.0.0.1 (built to out/main/serve.js; `npm start -- --web`).
// Environment: SPINCYCLE_WEB_PORT (default 0 = free port), SPINCYCLE_WEB_TOKEN (default
// random; tests set it), SPINCYCLE_RENDERER_DIR (default out/renderer), SPINCYCLE_E2E_HOOKS=1
// (the end-to-end tests' `navigate` trigger, test-trigger.ts).
// Prints one line "Spin Cycle console: <url>" and runs until SIGINT/SIGTERM.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir, startConsoleCore } from '../console/core';
import { FileSecretStore, credentialsFile } from '../console/credentials';
import { describeRuntime } from '../console/runtime-info';
import { startWebBridge } from './server';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function readAppVersion(): string {
  const pkg = JSON.parse(readFileSync(resolve(projectRoot, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SPINCYCLE_WEB_PORT must be an integer 0-65535, got '${raw}'`);
  }
  return port;
}

async function main(): Promise<void> {
  const core = await startConsoleCore({
    appVersion: readAppVersion(),
    runtime: describeRuntime(process.versions),
    dataDir: defaultDataDir(),
    // Contexts' header values: the owner-only file the CLI reads too.
    secrets: new FileSecretStore(credentialsFile()),
    embeddedEngine:
      process.env.SPINCYCLE_NO_ENGINE === '1'
        ? null
        : { cliPath: resolve(projectRoot, 'bin/spincycle.js'), specsDir: resolve(projectRoot, 'resources/specs') },
  });
  const bridge = await startWebBridge({
    handlers: core.handlers,
    events: core.events,
    staticRoot: process.env.SPINCYCLE_RENDERER_DIR || resolve(projectRoot, 'out/renderer'),
    port: parsePort(process.env.SPINCYCLE_WEB_PORT),
    token: process.env.SPINCYCLE_WEB_TOKEN || undefined,
    testHooks: process.env.SPINCYCLE_E2E_HOOKS === '1',
  });
  console.log(`Spin Cycle console: ${bridge.url}`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: shutting down`);
    Promise.all([bridge.close(), core.stop()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`spincycle web: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
