// How a context proves who it is to its Request Manager (v2's auth is a plugin, so sites use
// headers such as `Authorization`, or TLS client certificates). A context records only what is
// not secret: the names of its extra headers and the paths of its CA file, client certificate
// and key. The header values are secrets, kept apart from the cache, exports and logs: in the OS
// keychain (the desktop app's store, src-main/desktop/), or in an owner-only file or the
// environment (web mode and the CLI). Key files, too, must be readable by their owner only.

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContextAuth } from '../shared/console-model';
import type { Credentials } from './client/transport';
import { defaultDataDir } from './data-dir';

/** Where a context's secret header values are kept. */
export interface SecretStore {
  /** What the store is, for messages ("the OS keychain", "/home/x/…/credentials.json"). */
  readonly where: string;
  /** The context's header values by header name ({} when none). */
  get(context: string): Record<string, string>;
  /** Replaces the context's header values (an empty map removes them). */
  set(context: string, headers: Record<string, string>): void;
  /** Carries a context's secrets over to its new name. */
  rename(from: string, to: string): void;
}

/** A credentials problem: the message names the file or setting and what to do. */
export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

export const CREDENTIALS_FILE = 'credentials.json';

/** The owner-only file of contexts' header values: SPINCYCLE_CREDENTIALS, else <data dir>/credentials.json. */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.SPINCYCLE_CREDENTIALS || path.join(defaultDataDir(env), CREDENTIALS_FILE);
}

/** Owner-only: no bit for the group or others (where the OS has such bits). */
export function checkOwnerOnly(file: string, what: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new CredentialsError(
      `${what} ${file} can be read by others (mode ${mode.toString(8).padStart(3, '0')}): run chmod 600 ${JSON.stringify(file)}`,
    );
  }
}

/**
 * Secrets per context in one JSON file readable by its owner only (written with mode 600,
 * replaced at once), each context's entry as the store keeps it: `seal` makes one of its header
 * values, `unseal` gives them back.
 */
export abstract class JsonSecretStore<Entry> implements SecretStore {
  constructor(readonly file: string) {}

  abstract get where(): string;
  /** Every context's entry ({} when there is no file). */
  protected abstract read(): Record<string, Entry>;
  protected abstract seal(headers: Record<string, string>): Entry;
  protected abstract unseal(context: string, entry: Entry): Record<string, string>;

  private write(all: Record<string, Entry>): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }

  get(context: string): Record<string, string> {
    const entry = this.read()[context];
    return entry === undefined ? {} : this.unseal(context, entry);
  }

  set(context: string, headers: Record<string, string>): void {
    const all = this.read();
    if (Object.keys(headers).length === 0) delete all[context];
    else all[context] = this.seal(headers);
    this.write(all);
  }

  rename(from: string, to: string): void {
    const all = this.read();
    const entry = all[from];
    if (entry === undefined) return;
    all[to] = entry;
    delete all[from];
    this.write(all);
  }
}

/**
 * Secrets in plain JSON readable by its owner only: `{ "<context>": { "<Header>": "<value>" } }`.
 * A file others can read is refused (and never written to).
 */
export class FileSecretStore extends JsonSecretStore<Record<string, string>> {
  get where(): string {
    return this.file;
  }

  protected read(): Record<string, Record<string, string>> {
    if (!existsSync(this.file)) return {};
    checkOwnerOnly(this.file, 'the credentials file');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (err) {
      throw new CredentialsError(`the credentials file ${this.file} is not JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CredentialsError(`the credentials file ${this.file} must hold {"<context>": {"<Header>": "<value>"}}`);
    }
    const out: Record<string, Record<string, string>> = {};
    for (const [context, headers] of Object.entries(parsed)) {
      if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) continue;
      out[context] = Object.fromEntries(
        Object.entries(headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    }
    return out;
  }

  protected seal(headers: Record<string, string>): Record<string, string> {
    return headers;
  }

  protected unseal(_context: string, entry: Record<string, string>): Record<string, string> {
    return entry;
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Headers the transport sets itself. */
const OWN_HEADERS = new Set(['host', 'content-type', 'content-length', 'transfer-encoding', 'connection']);

/**
 * Checks a context's auth as an operator gave it: header names a server can take (and not ones
 * the console sets itself), their values one line each, and TLS files as absolute paths (a
 * certificate with its key). Throws a CredentialsError naming what is wrong; never a value.
 */
export function checkAuth(auth: ContextAuth, values: Readonly<Record<string, string>> = {}): void {
  const seen = new Set<string>();
  for (const name of auth.headers) {
    if (!HEADER_NAME.test(name)) throw new CredentialsError(`${JSON.stringify(name)} is not a header name`);
    if (OWN_HEADERS.has(name.toLowerCase())) throw new CredentialsError(`the console sets the ${name} header itself`);
    if (seen.has(name.toLowerCase())) throw new CredentialsError(`the ${name} header is given twice`);
    seen.add(name.toLowerCase());
  }
  for (const [name, value] of Object.entries(values)) {
    if (!seen.has(name.toLowerCase()))
      throw new CredentialsError(`a value is given for ${name}, which is not one of the context's headers`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
      throw new CredentialsError(`the value of the ${name} header must be one line of text`);
    }
  }
  for (const [what, file] of [
    ['CA file', auth.caFile],
    ['client certificate', auth.certFile],
    ['client key', auth.keyFile],
  ] as const) {
    if (file !== null && !path.isAbsolute(file))
      throw new CredentialsError(`the ${what} must be an absolute path, got ${JSON.stringify(file)}`);
  }
  if ((auth.certFile === null) !== (auth.keyFile === null)) {
    throw new CredentialsError('a client certificate needs its key, and a key its certificate');
  }
}

/**
 * Extra headers from the environment: `SPINCYCLE_HEADERS`, one `Name: value` per line (as curl
 * takes them). They apply to whatever server the CLI talks to, on top of a context's own.
 */
export function headersFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (env.SPINCYCLE_HEADERS ?? '').split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new CredentialsError(
        `SPINCYCLE_HEADERS: a line is not "Name: value" (the line with ${JSON.stringify(line.slice(0, 20))}…)`,
      );
    }
    out[name] = line.slice(colon + 1).trim();
  }
  return out;
}

/** A context's auth from the environment, for `--addr` (no saved context): `SPINCYCLE_CA_FILE` and friends. */
export function authFromEnv(env: NodeJS.ProcessEnv): ContextAuth {
  return {
    headers: [],
    caFile: env.SPINCYCLE_CA_FILE || null,
    certFile: env.SPINCYCLE_CERT_FILE || null,
    keyFile: env.SPINCYCLE_KEY_FILE || null,
  };
}

/**
 * What the transport sends: the header values for the context's header names (a name with no
 * value is an error naming where the value should be), and the PEM text of its TLS files.
 */
export function resolveCredentials(
  /** Who the credentials are for, in messages: `context prod`, `the server at https://…`. */
  who: string,
  auth: ContextAuth | null,
  secrets: Record<string, string>,
  store: { where: string } | null,
): Credentials {
  const headers: Record<string, string> = {};
  for (const name of auth?.headers ?? []) {
    const value = secrets[name] ?? Object.entries(secrets).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    if (value === undefined) {
      const where = store ? ` in ${store.where}` : '';
      throw new CredentialsError(`${who}: no value for its ${name} header${where}`);
    }
    headers[name] = value;
  }
  // Headers given beyond the context's own (the environment's) are sent too.
  for (const [name, value] of Object.entries(secrets)) {
    if (!Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase())) headers[name] = value;
  }
  const read = (file: string | null, what: string, ownerOnly = false): string | undefined => {
    if (!file) return undefined;
    try {
      if (ownerOnly) checkOwnerOnly(file, `${who}: the ${what}`);
      return readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof CredentialsError) throw err;
      throw new CredentialsError(`${who}: cannot read the ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const ca = read(auth?.caFile ?? null, 'CA file');
  const cert = read(auth?.certFile ?? null, 'client certificate');
  const key = read(auth?.keyFile ?? null, 'client key', true);
  if ((cert === undefined) !== (key === undefined)) {
    throw new CredentialsError(`${who}: a client certificate needs its key, and a key its certificate`);
  }
  return {
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
  };
}
