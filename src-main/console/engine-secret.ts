// The embedded engine's per-run API secret: the console makes a new one at every start, writes
// it to a file only this user may read (the engine is given the file, not the secret: the
// process list is public), and sends it with every call to the engine. A page a browser loaded
// cannot reach the engine without it, even by rebinding a name to 127.0.0.1, and neither can
// another user of the machine; `spincycle --context local` reads the same file.

import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENGINE_SECRET_FILE } from './data-dir';

export interface EngineSecret {
  file: string;
  secret: string;
}

/** A fresh secret in `<dataDir>/engine-secret` (mode 600, replaced atomically). */
export function createEngineSecret(dataDir: string): EngineSecret {
  const file = path.join(dataDir, ENGINE_SECRET_FILE);
  const secret = randomBytes(32).toString('base64url');
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${secret}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600); // whatever the umask
  renameSync(temp, file);
  return { file, secret };
}

/** The secret the running console gave its engine, or null when there is none. */
export function readEngineSecret(dataDir: string): string | null {
  try {
    return readFileSync(path.join(dataDir, ENGINE_SECRET_FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}
