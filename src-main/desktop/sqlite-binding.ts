// Which better-sqlite3 addon console main loads under Electron. node_modules keeps the Node
// build (for `npm test`, the CLI and the engine); Electron's build lives apart, made by
// scripts/prepare-electron-sqlite.js, and is passed to the core as `nativeBinding`. In a
// packaged app the packaging hook already replaced the app's copy, so nothing is passed.

import path from 'node:path';

/** Where prepare-electron-sqlite.js puts the Electron build (relative to the project root). */
export const ELECTRON_SQLITE_FILE = 'node_modules/.electron-sqlite/better_sqlite3.node';

export type SqliteBinding = { ok: true; nativeBinding?: string } | { ok: false; reason: string };

export function electronSqliteBinding(facts: {
  isPackaged: boolean;
  appPath: string;
  env: Readonly<Record<string, string | undefined>>;
  exists: (file: string) => boolean;
}): SqliteBinding {
  const override = facts.env.SPINCYCLE_SQLITE_BINDING;
  if (override) {
    return facts.exists(override)
      ? { ok: true, nativeBinding: override }
      : { ok: false, reason: `SPINCYCLE_SQLITE_BINDING points at a missing file (${override})` };
  }
  if (facts.isPackaged) return { ok: true };
  const file = path.join(facts.appPath, ELECTRON_SQLITE_FILE);
  return facts.exists(file)
    ? { ok: true, nativeBinding: file }
    : {
        ok: false,
        reason: `better-sqlite3 has no Electron build at ${file}; run \`npm run prepare:electron-sqlite\``,
      };
}
