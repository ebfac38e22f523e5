// `npm start`: opens the desktop app where Electron can start; otherwise says why in one
// line and serves the same console on a loopback URL until Ctrl-C.
// `npm start -- --web` forces the browser mode. Either way it first runs the one build
// (scripts/build-app.js, a few seconds), so what starts is never older than the sources.
// The embedded engine is started by console main's core (src-main/console/core.ts), so
// both modes get it from there; nothing engine-specific belongs in this launcher.

import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './build-app.js';
import { canStartElectron } from './electron-runtime.js';
import { prepareElectronSqlite } from './prepare-electron-sqlite.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const forceWeb = process.argv.includes('--web') || process.env.SPINCYCLE_FORCE_WEB === '1';

/** Runs a child to completion, forwarding termination signals; resolves with its exit code. */
function run(command, args, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', ...options });
    // Ctrl-C reaches the whole foreground process group, so the child already has SIGINT;
    // forwarding keeps SIGTERM (and SIGINT from `kill`) working too. Shutdown is idempotent.
    const forward = (signal) => {
      if (child.exitCode === null) child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolvePromise(code ?? (signal ? 1 : 0));
    });
  });
}

async function startDesktop(electronPath) {
  // Console main (Electron) needs better-sqlite3 built for Electron, kept apart from the Node
  // build in node_modules (see scripts/prepare-electron-sqlite.js).
  const sqlite = await prepareElectronSqlite();
  if (!sqlite.ok) return startWeb(`Electron's build of better-sqlite3 is not ready (${sqlite.reason})`);
  // The embedded engine runs on this Node (the ABI node_modules' better-sqlite3 was built for).
  return run(electronPath, ['.'], { env: { ...process.env, SPINCYCLE_NODE: process.execPath } });
}

async function startWeb(reason) {
  console.log(`${reason}; serving the console in your browser instead`);
  return run(process.execPath, [resolve(root, 'out/main/serve.js')]);
}

async function main() {
  await buildApp();
  const electron = canStartElectron();
  if (electron.ok && !forceWeb) return startDesktop(electron.path);
  return startWeb(forceWeb ? 'Browser mode requested (--web)' : electron.reason);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
