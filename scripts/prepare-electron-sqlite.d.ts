// Types for prepare-electron-sqlite.js (plain JS so it runs without a loader).

export const ELECTRON_SQLITE_FILE: string;
export function prepareElectronSqlite(options?: {
  force?: boolean;
  log?: (line: string) => void;
}): Promise<{ ok: true; file: string } | { ok: false; reason: string }>;
