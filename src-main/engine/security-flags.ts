// The command-line flags of who may reach the engine and how (docs/security.md): hosts, the API
// secret, the peer token, TLS, the CAs of peers, and the RM's callers (--auth, --auth-module,
// --admin-role, --strict-acl). Each problem is a UsageError naming the flag and the file.

import { AuthModuleError, loadAuthModule } from './auth/auth-module';
import type { AuthSettings } from './auth/access-control';
import { TokenFile } from './auth/token-file';
import type { TlsFiles } from './http/tls';
import { readCaFile, readTlsFiles } from './http/tls';
import { createLogger } from './log';
import { readSecretFile } from './secret-file';
import type { EngineAccess } from './server';
import { UsageError } from './usage-error';

type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;
const str = (v: Values, key: string): string | undefined => v[key] as string | undefined;
const strings = (v: Values, key: string): string[] =>
  ((v[key] ?? []) as string[]).flatMap((h) => h.split(',')).map((h) => h.trim());

/** Reads a flag's file with `read`; its problem becomes a UsageError naming the flag. */
function fromFile<T>(key: string, file: string, read: (file: string) => T): T {
  try {
    return read(file);
  } catch (err) {
    const text = (err as Error).message;
    throw new UsageError(`--${key} ${text.startsWith(file) ? text : `${file}: ${text}`}`);
  }
}

export const ACCESS_OPTIONS = {
  'allow-host': { type: 'string', multiple: true },
  'api-secret-file': { type: 'string' },
  'peer-token-file': { type: 'string' },
  // Its first name; still taken, with a warning.
  'peer-secret-file': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

export const ACCESS_USAGE = `  --peer-token-file FILE   the RM and the JR send it to each other and refuse the other's calls
                           without it (give all of them the same file: only this user may read it)
  --api-secret-file FILE   every call must carry "Authorization: Bearer <secret>" (the console's
                           embedded engine; spincycle --secret-file FILE sends it)
  --allow-host NAME        a name clients use to reach this engine (repeatable); Host headers
                           other than loopback names, the listen address and these are refused
  --tls-cert FILE          serve HTTPS with this certificate (PEM, with its chain) ...
  --tls-key FILE           ... and its private key (PEM; only this user may read it)`;

export const CA_OPTION = { ca: { type: 'string' } } as const;

export const CA_USAGE = `  --ca FILE          PEM certificate authorities to trust for https:// peers instead of the system's`;

export const AUTH_OPTIONS = {
  auth: { type: 'string' },
  'auth-module': { type: 'string' },
  'admin-role': { type: 'string', multiple: true },
  'strict-acl': { type: 'boolean' },
} as const;

export const AUTH_USAGE = `  --auth FILE        callers: bearer tokens (kept as SHA-256) naming a user and roles; make one
                     with spincycle token (docs/security.md). Every call must then carry one
  --auth-module FILE.js
                     the site's own authenticate(request) and/or authorize(caller, op, request)
  --admin-role ROLE  callers with this role may start and stop every request type (repeatable)
  --strict-acl       request types without an acl: only admin roles may start or stop them
                     (default: any caller)`;

/** --tls-cert and --tls-key (both or neither), read and checked; undefined without them. */
export function tlsFiles(v: Values): TlsFiles | undefined {
  const cert = str(v, 'tls-cert');
  const key = str(v, 'tls-key');
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new UsageError('--tls-cert and --tls-key go together');
  return fromFile('tls-cert', cert, () => readTlsFiles(cert, key));
}

/** --allow-host, --api-secret-file, --peer-token-file, --tls-cert/--tls-key and --ca as the engine's access options. */
export function accessFlags(v: Values): EngineAccess {
  const secret = (key: string): string | undefined => {
    const file = str(v, key);
    return file === undefined ? undefined : fromFile(key, file, readSecretFile);
  };
  const hosts = strings(v, 'allow-host');
  if (hosts.some((h) => h === '' || /[\s/:@]/.test(h.replace(/^\[.*\]$/, '')))) {
    throw new UsageError(
      `--allow-host takes host names or addresses (e.g. rm.example.com), got ${JSON.stringify(hosts)}`,
    );
  }
  if (str(v, 'peer-secret-file') !== undefined) {
    if (str(v, 'peer-token-file') !== undefined) {
      throw new UsageError('--peer-secret-file is the old name of --peer-token-file: give only --peer-token-file');
    }
    createLogger('cli').warn('--peer-secret-file is now called --peer-token-file; the old name will go');
  }
  const apiSecret = secret('api-secret-file');
  const peerSecret = secret('peer-token-file') ?? secret('peer-secret-file');
  const tls = tlsFiles(v);
  const caFile = str(v, 'ca');
  const ca = caFile === undefined ? undefined : fromFile('ca', caFile, readCaFile);
  return {
    allowHosts: hosts,
    ...(apiSecret === undefined ? {} : { apiSecret }),
    ...(peerSecret === undefined ? {} : { peerSecret }),
    ...(tls === undefined ? {} : { tls }),
    ...(ca === undefined ? {} : { ca }),
  };
}

/** --auth, --auth-module, --admin-role, --strict-acl; undefined when auth is off. */
export async function authFlags(v: Values): Promise<AuthSettings | undefined> {
  const file = str(v, 'auth');
  const moduleFile = str(v, 'auth-module');
  const adminRoles = strings(v, 'admin-role');
  const strict = v['strict-acl'] === true;
  if (file === undefined && moduleFile === undefined) {
    if (adminRoles.length > 0 || strict)
      throw new UsageError('--admin-role and --strict-acl go with --auth or --auth-module');
    return undefined;
  }
  if (str(v, 'api-secret-file') !== undefined) {
    throw new UsageError('--api-secret-file and --auth both say who may call: give one (--auth names each caller)');
  }
  if (adminRoles.some((r) => r === '' || /\s/.test(r))) throw new UsageError('--admin-role takes a role name');
  const tokens = file === undefined ? undefined : fromFile('auth', file, (f) => new TokenFile(f));
  let mod;
  try {
    mod = moduleFile === undefined ? {} : await loadAuthModule(moduleFile);
  } catch (err) {
    if (err instanceof AuthModuleError) throw new UsageError(`--auth-module ${err.message}`);
    throw err;
  }
  if (tokens && mod.authenticator) {
    throw new UsageError(
      `--auth and --auth-module ${moduleFile} both authenticate callers: give --auth only with a module that just authorizes`,
    );
  }
  const authenticator = tokens ?? mod.authenticator;
  if (!authenticator) {
    throw new UsageError(
      `--auth-module ${moduleFile} exports only authorize: give --auth FILE too, to name the callers`,
    );
  }
  return { authenticator, authorize: mod.authorize, adminRoles, strict };
}
