// Builds better-sqlite3 for Electron's ABI into its own folder,
// node_modules/.electron-sqlite/better_sqlite3.node, which the desktop app passes to
// better-sqlite3 as `nativeBinding`. node_modules/better-sqlite3 keeps the Node build that
// `npm test`, the CLI and the engine use, so the two never overwrite each other.
// Skipped, with a one-line reason, where Electron's runtime is not installed or Electron's
// headers / prebuilt binaries cannot be downloaded. `npm start` runs it before the desktop app.
// Usage: node scripts/prepare-electron-sqlite.js [--force]

import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-runtime.js';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Must match ELECTRON_SQLITE_FILE in src-main/desktop/sqlite-binding.ts. */
export const ELECTRON_SQLITE_FILE = 'node_modules/.electron-sqlite/better_sqlite3.node';
const HEADERS_URL = 'https://electronjs.org/headers';

const outFile = join(root, ELECTRON_SQLITE_FILE);
const outDir = dirname(outFile);
const stampFile = join(outDir, 'stamp.json');

const versionOf = (pkg) => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;

async function reachable(url) {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(5000) });
    return res.ok ? null : `HTTP ${res.status}`;
  } catch (e) {
    return e instanceof Error ? (e.cause?.code ?? e.message) : String(e);
  }
}

function nodeGypScript() {
  const candidates = [
    process.env.npm_config_node_gyp,
    (() => {
      try {
        return require.resolve('node-gyp/bin/node-gyp.js');
      } catch {
        return undefined;
      }
    })(),
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

function run(script, args, cwd) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status === 0;
}

/**
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<{ ok: true, file: string } | { ok: false, reason: string }>}
 */
export async function prepareElectronSqlite(options = {}) {
  const log = options.log ?? ((line) => console.log(`prepare-electron-sqlite: ${line}`));
  const electron = findElectronBinary();
  if (!electron.ok) return { ok: false, reason: `skipped: ${electron.reason}` };

  const want = {
    electron: versionOf('electron'),
    betterSqlite3: versionOf('better-sqlite3'),
    platform: process.platform,
    arch: process.arch,
  };
  if (!options.force && existsSync(outFile) && existsSync(stampFile)) {
    if (readFileSync(stampFile, 'utf8') === JSON.stringify(want)) return { ok: true, file: outFile };
  }

  const headers = `${HEADERS_URL}/v${want.electron}/node-v${want.electron}-headers.tar.gz`;
  const unreachable = await reachable(headers);
  if (unreachable) {
    return { ok: false, reason: `skipped: cannot download Electron ${want.electron}'s headers (${unreachable})` };
  }

  // Build in a copy of the package so node_modules/better-sqlite3/build keeps the Node binary.
  const work = join(outDir, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const pkgDir = dirname(require.resolve('better-sqlite3/package.json'));
  cpSync(pkgDir, work, { recursive: true, filter: (src) => !src.startsWith(join(pkgDir, 'build')) });
  const target = [`--runtime=electron`, `--target=${want.electron}`, `--arch=${want.arch}`];
  log(`building better-sqlite3 ${want.betterSqlite3} for Electron ${want.electron} (${want.platform}-${want.arch})`);
  const prebuilt =
    run(require.resolve('prebuild-install/bin.js'), [...target, `--platform=${want.platform}`, '--verbose'], work) &&
    existsSync(join(work, 'build/Release/better_sqlite3.node'));
  if (!prebuilt) {
    const gyp = nodeGypScript();
    if (!gyp) return { ok: false, reason: 'no prebuilt binary for Electron and node-gyp was not found' };
    if (!run(gyp, ['rebuild', '--release', ...target, `--dist-url=${HEADERS_URL}`], work)) {
      return { ok: false, reason: 'node-gyp could not build better-sqlite3 for Electron (see the output above)' };
    }
  }
  copyFileSync(join(work, 'build/Release/better_sqlite3.node'), outFile);
  writeFileSync(stampFile, JSON.stringify(want));
  rmSync(work, { recursive: true, force: true });
  return { ok: true, file: outFile };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await prepareElectronSqlite({ force: process.argv.includes('--force') });
  if (result.ok) console.log(`prepare-electron-sqlite: ready: ${result.file}`);
  else console.log(`prepare-electron-sqlite: ${result.reason}`);
  // A skip is not an error (nothing to build for); a failed build is.
  process.exit(result.ok || result.reason.startsWith('skipped:') ? 0 : 1);
}
