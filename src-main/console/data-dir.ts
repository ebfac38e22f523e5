// Where the console keeps its cache and the embedded engine's data: $SPINCYCLE_DATA_DIR, else
// the platform's per-user data folder. Shared by the console core and the CLI.

import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPINCYCLE_DATA_DIR) return env.SPINCYCLE_DATA_DIR;
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library/Application Support/spincycle-console');
  if (process.platform === 'win32') return path.join(env.APPDATA ?? home, 'spincycle-console');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local/share'), 'spincycle-console');
}

export const CACHE_FILE = 'cache.db';

/** The embedded engine's per-run API secret (engine-secret.ts), beside the cache: the CLI reads it for --context local. */
export const ENGINE_SECRET_FILE = 'engine-secret';
