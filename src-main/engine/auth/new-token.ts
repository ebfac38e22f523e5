// `spincycle token`: a new bearer token for a caller, and the entry that names it in an --auth
// file. The token is printed once, for the caller; the file keeps only its hash.

import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { hashToken } from './token-file';

/** 32 random bytes, base64url, after a prefix that says what it is (and lets secret scanners find it). */
export function newToken(): string {
  return `sct_${randomBytes(32).toString('base64url')}`;
}

/** What `spincycle token` prints: the token, then the YAML entry to add under `callers:`. */
export function tokenEntry(token: string, user: string, roles: readonly string[], expires: string | null): string {
  const entry = { user, roles: [...roles], token: hashToken(token), ...(expires === null ? {} : { expires }) };
  const yaml = stringify([entry])
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  return (
    `Token for ${user} (give it to them; it is shown only now and kept nowhere):\n\n  ${token}\n\n` +
    `Add this entry under "callers:" in the --auth file, then send the RM SIGHUP (or restart it):\n\n${yaml}\n`
  );
}
