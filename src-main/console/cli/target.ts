// Which Request Manager a CLI command talks to, and with what credentials: `--addr URL` (with
// SPINCYCLE_HEADERS and SPINCYCLE_CA_FILE / _CERT_FILE / _KEY_FILE from the environment), or
// `--context NAME`, a context saved in the console (its header values from the owner-only
// credentials file, SPINCYCLE_CREDENTIALS or <data dir>/credentials.json; the console's own
// engine with this run's API secret), or SPINCYCLE_ADDR. `--secret-file` sends a token kept in
// an owner-only file as `Authorization: Bearer` (a caller's token for an RM with --auth, or the
// API secret of an engine started with --api-secret-file). `--ca` trusts a CA file instead of
// the system's (over SPINCYCLE_CA_FILE and a context's own).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ContextAuth, ServerInfo } from '../../shared/console-model';
import type { JsonObject } from '../../shared/proto';
import { checkRmUrl, type TransportOptions } from '../client/transport';
import {
  CredentialsError,
  FileSecretStore,
  authFromEnv,
  checkOwnerOnly,
  credentialsFile,
  headersFromEnv,
  resolveCredentials,
} from '../credentials';
import { CACHE_FILE, defaultDataDir } from '../data-dir';
import { readEngineSecret } from '../engine-secret';

/** Bad usage: the message says what to type instead (exit 2). */
export class UsageError extends Error {}

export interface SavedContext {
  name: string;
  url: string;
  env_label: string | null;
  embedded: boolean;
  auth: ContextAuth | null;
  /** What its server speaks, as the console last found; null when never found. */
  server: ServerInfo | null;
}

/** Reads the console's cache (read-only); `fallback` when it does not exist or cannot be read. */
function readConsoleCache<T>(env: NodeJS.ProcessEnv, read: (db: Database.Database) => T, fallback: T): T {
  const file = path.join(defaultDataDir(env), CACHE_FILE);
  if (!existsSync(file)) return fallback;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } catch {
    return fallback;
  } finally {
    db.close();
  }
}

/** The contexts saved in the console (none when it has never run). */
export function savedContexts(env: NodeJS.ProcessEnv): SavedContext[] {
  return readConsoleCache(
    env,
    (db) => {
      const rows = db.prepare('SELECT * FROM contexts ORDER BY position, name').all() as Array<
        Omit<SavedContext, 'auth' | 'embedded' | 'server'> & {
          auth?: string | null;
          server?: string | null;
          embedded: number;
        }
      >;
      return rows.map((r) => ({
        name: r.name,
        url: r.url,
        env_label: r.env_label,
        embedded: r.embedded === 1,
        auth: parseJson<ContextAuth>(r.auth),
        server: parseJson<ServerInfo>(r.server),
      }));
    },
    [],
  );
}

/** The args the console cached for a request it created (or saw with its args) in `context`, or null. */
export function cachedRequestArgs(env: NodeJS.ProcessEnv, context: string, id: string): JsonObject | null {
  return readConsoleCache(
    env,
    (db) => {
      const text = db.prepare('SELECT args FROM requests WHERE context = ? AND id = ?').pluck().get(context, id);
      return typeof text === 'string' ? (JSON.parse(text) as JsonObject) : null;
    },
    null,
  );
}

/**
 * Records in the console's cache that `requestId` re-runs `rerunOf` (as the console's own re-run
 * does), for a server that keeps no such link. Null when recorded, else why not: the re-run
 * happened either way, so this is for a warning only.
 */
export function recordRerun(
  env: NodeJS.ProcessEnv,
  context: string,
  requestId: string,
  rerunOf: string,
): string | null {
  const file = path.join(defaultDataDir(env), CACHE_FILE);
  if (!existsSync(file)) return `no console cache at ${file}`;
  let db: Database.Database | null = null;
  try {
    // The console may have the cache open: wait for its writes rather than fail.
    db = new Database(file, { fileMustExist: true, timeout: 5000 });
    db.prepare('INSERT OR REPLACE INTO console_reruns (context, request_id, rerun_of) VALUES (?, ?, ?)').run(
      context,
      requestId,
      rerunOf,
    );
    return null;
  } catch (err) {
    return `${file}: ${(err as Error).message}`;
  } finally {
    db?.close();
  }
}

function parseJson<T>(text: string | null | undefined): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function secretFrom(file: string): string {
  let text: string;
  try {
    checkOwnerOnly(file, '--secret-file');
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (err instanceof CredentialsError) throw new UsageError(err.message);
    throw new UsageError(`--secret-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (text === '') throw new UsageError(`--secret-file ${file}: the file is empty`);
  return text;
}

/** The transport options for the server a command names (a bad URL is bad usage). */
type TargetFlags = {
  addr?: string | undefined;
  context?: string | undefined;
  'secret-file'?: string | undefined;
  ca?: string | undefined;
};

export function resolveTarget(values: TargetFlags, env: NodeJS.ProcessEnv, timeoutMs: number): TransportOptions {
  const target = resolveServer(values, env, timeoutMs);
  try {
    checkRmUrl(target.baseUrl);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const fromFile = values['secret-file'] === undefined ? undefined : secretFrom(values['secret-file']);
  return fromFile === undefined ? target : { ...target, secret: fromFile };
}

/** `auth` with the CA file of --ca, when given. */
function withCa(auth: ContextAuth | null, ca: string | undefined): ContextAuth | null {
  if (ca === undefined) return auth;
  return { headers: [], certFile: null, keyFile: null, ...auth, caFile: path.resolve(ca) };
}

function resolveServer(values: TargetFlags, env: NodeJS.ProcessEnv, timeoutMs: number): TransportOptions {
  const fromEnv = headersFromEnv(env);
  if (values.context && !values.addr) {
    const all = savedContexts(env);
    const found = all.find((c) => c.name === values.context);
    if (!found) {
      const names = all.map((c) => c.name).join(', ') || 'none saved yet: add one in the console';
      throw new UsageError(`no context named ${values.context} (contexts: ${names})`);
    }
    const store = new FileSecretStore(credentialsFile(env));
    const secrets = { ...store.get(found.name), ...fromEnv };
    // The console's own engine takes calls only with this run's secret, kept beside the cache.
    const secret = found.embedded ? (readEngineSecret(defaultDataDir(env)) ?? undefined) : undefined;
    return {
      baseUrl: found.url,
      label: found.name,
      timeoutMs,
      secret,
      credentials: resolveCredentials(`context ${found.name}`, withCa(found.auth, values.ca), secrets, store),
    };
  }
  const addr = values.addr || env.SPINCYCLE_ADDR || env.ADDR;
  if (!addr) {
    throw new UsageError(
      'no Request Manager given: use --addr http://host:8888, --context NAME, or set SPINCYCLE_ADDR',
    );
  }
  return {
    baseUrl: addr,
    timeoutMs,
    credentials: resolveCredentials('the server given by --addr', withCa(authFromEnv(env), values.ca), fromEnv, null),
  };
}
