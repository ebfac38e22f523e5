// Reads a secret given as a file (--peer-token-file, --api-secret-file, --db-password-file): a file on the command
// line, not the secret itself, which any user could read in the process list. Like ssh with a
// private key, the file must belong to this user and be unreadable by anyone else.

import { readFileSync, statSync } from 'node:fs';

/** Shortest secret accepted. */
export const MIN_SECRET_LENGTH = 16;

/** Throws an Error saying what is wrong unless `file` is a file of this user that nobody else may read. */
export function checkOwnerOnlyFile(file: string): void {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`${file}: cannot read it (${why})`, { cause: err });
  }
  if (!st.isFile()) throw new Error(`${file}: not a file`);
  if (process.platform !== 'win32') {
    if (process.getuid && st.uid !== process.getuid()) throw new Error(`${file}: belongs to another user`);
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8);
      throw new Error(`${file}: other users may read it (mode ${mode}); chmod 600 ${file}`);
    }
  }
}

/** The secret in `file` (surrounding white space dropped). Throws an Error saying what is wrong. */
export function readSecretFile(file: string, minLength = MIN_SECRET_LENGTH): string {
  checkOwnerOnlyFile(file);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < minLength) {
    throw new Error(`${file}: the secret is too short (${secret.length} characters, at least ${minLength})`);
  }
  return secret;
}
