// `npm start`: opens the desktop app where Electron can start; otherwise (no runtime, no
// display, or Chromium's Linux sandbox refusing to start) says why in one line and serves the
// same console on a loopback URL until Ctrl-C.
// `npm start -- --web` forces the browser mode. Either way it first runs the one build
// (scripts/build-app.js, a few seconds), so what starts is never older than the sources.
// The embedded engine is started by console main's core (src-main/console/core.ts), so
// both modes get it from there; nothing engine-specific belongs in this launcher.

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './build-app.js';
import { canStartElectron } from './electron-runtime.js';
import { sandboxFailure, userNamespacesRestricted } from './electron-sandbox.js';
import { prepareElectronSqlite } from './prepare-electron-sqlite.js';
import { run } from './run-child.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const forceWeb = process.argv.includes('--web') || process.env.SPINCYCLE_FORCE_WEB === '1';

async function startDesktop(electronPath) {
  // Console main (Electron) needs better-sqlite3 built for Electron, kept apart from the Node
  // build in node_modules (see scripts/prepare-electron-sqlite.js).
  const sqlite = await prepareElectronSqlite();
  if (!sqlite.ok) return startWeb(`Electron's build of better-sqlite3 is not ready (${sqlite.reason})`);
  // The embedded engine runs on this Node (the ABI node_modules' better-sqlite3 was built for).
  const env = { ...process.env, SPINCYCLE_NODE: process.execPath };
  const { code, stderr } = await run(electronPath, ['.'], { cwd: root, env, watchStderr: true });
  // Linux: Chromium's sandbox may refuse to start (Ubuntu 23.10+ AppArmor); never turn it off.
  const sandbox = code !== 0 ? sandboxFailure(stderr, { restricted: userNamespacesRestricted() }) : null;
  return sandbox ? startWeb(sandbox) : code;
}

async function startWeb(reason) {
  console.log(`${reason}; serving the console in your browser instead`);
  return (await run(process.execPath, [resolve(root, 'out/main/serve.js')], { cwd: root })).code;
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
