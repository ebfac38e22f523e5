// `--auth FILE`: the callers of a Request Manager, each a bearer token (kept only as its SHA-256)
// naming a user and roles, optionally until an expiry:
//
//   callers:
//     - user: alice
//       roles: [eng]
//       token: sha256:3f0c…(64 hex digits)
//     - user: deploy-bot
//       roles: [ba]
//       token: sha256:…
//       expires: 2027-01-31T00:00:00Z
//
// `spincycle token` makes a token and its entry. The file holds no token itself, only hashes:
// a copy of it lets nobody in. A presented token is hashed and compared with every entry in
// constant time. The file must be the RM's user's own and unreadable by others (like a secret
// file), since whoever can write it names the admins.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { checkOwnerOnlyFile } from '../secret-file';
import { AuthError, type AuthRequest, type Authenticator, type Caller } from './caller';

interface Entry {
  caller: Caller;
  hash: Buffer;
  /** ms since epoch; null for never. */
  expiresMs: number | null;
  expires: string | null;
}

const HASH = /^sha256:([0-9a-f]{64})$/;
const ROLE = /^[^\s,]{1,200}$/;

/** The SHA-256 of a token as the file keeps it: `sha256:<64 hex digits>`. */
export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** A bad --auth file: the message names the file, the entry and what is wrong. */
export class TokenFileError extends Error {
  override name = 'TokenFileError';
}

/** An RFC 3339 time, or a date (midnight UTC); null when it is neither. */
export function parseExpiry(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text)) return null;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isFinite(ms) ? ms : null;
}

/** Parses the text of an --auth file; throws a TokenFileError listing every problem. */
export function parseTokenFile(text: string, file: string): Entry[] {
  let root: unknown;
  try {
    root = parse(text, { uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    throw new TokenFileError(`${file}: not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const callers = (root as { callers?: unknown } | null)?.callers;
  if (typeof root !== 'object' || root === null || Array.isArray(root) || !Array.isArray(callers)) {
    throw new TokenFileError(`${file}: expected "callers:" and a list of {user, roles, token} (see docs/security.md)`);
  }
  const extra = Object.keys(root).filter((k) => k !== 'callers');
  const problems: string[] = extra.map((k) => `${file}: unknown key "${k}" (only callers:)`);
  const entries: Entry[] = [];
  const seen = new Map<string, number>();
  callers.forEach((raw: unknown, i) => {
    const where = (user?: unknown) =>
      `${file}: entry ${i + 1}${typeof user === 'string' && user !== '' ? ` (user "${user}")` : ''}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${where()}: must be a map with user, roles and token`);
      return;
    }
    const e = raw as Record<string, unknown>;
    const at = where(e.user);
    const bad = (what: string) => problems.push(`${at}: ${what}`);
    for (const key of Object.keys(e)) {
      if (!['user', 'roles', 'token', 'expires'].includes(key))
        bad(`unknown key "${key}" (accepted: user, roles, token, expires)`);
    }
    if (typeof e.user !== 'string' || e.user.trim() === '')
      return void bad('user (the name requests are created under) is required');
    const roles = e.roles ?? [];
    if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string' || !ROLE.test(r))) {
      return void bad('roles must be a list of role names (no spaces or commas), e.g. roles: [eng]');
    }
    const token = typeof e.token === 'string' ? HASH.exec(e.token) : null;
    if (!token) {
      return void bad(
        'token must be "sha256:" and 64 lower-case hex digits, the hash of the token (spincycle token makes one)',
      );
    }
    const twice = seen.get(token[1] as string);
    if (twice !== undefined) return void bad(`the same token as entry ${twice}`);
    seen.set(token[1] as string, i + 1);
    let expiresMs: number | null = null;
    const expires = e.expires instanceof Date ? e.expires.toISOString() : e.expires;
    if (expires !== undefined && expires !== null) {
      expiresMs = typeof expires === 'string' ? parseExpiry(expires) : null;
      if (expiresMs === null)
        return void bad(`expires must be a date or an RFC 3339 time, got ${JSON.stringify(expires)}`);
    }
    entries.push({
      caller: { user: e.user, roles: [...new Set(roles as string[])] },
      hash: Buffer.from(token[1] as string, 'hex'),
      expiresMs,
      expires: typeof expires === 'string' ? expires : null,
    });
  });
  if (problems.length > 0) throw new TokenFileError(problems.join('\n'));
  return entries;
}

/** The bearer token of a call, or why there is none. */
function bearerToken(req: AuthRequest): string {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header === '') {
    throw new AuthError('unauthenticated', 'this Request Manager needs a token: send Authorization: Bearer <token>');
  }
  const m = /^Bearer +(\S+) *$/i.exec(header);
  if (!m) throw new AuthError('unauthenticated', 'the Authorization header must be "Bearer <token>"', 'invalid_token');
  return m[1] as string;
}

export class TokenFile implements Authenticator {
  private entries: Entry[];

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = TokenFile.read(file);
  }

  private static read(file: string): Entry[] {
    try {
      checkOwnerOnlyFile(file);
    } catch (err) {
      throw new TokenFileError((err as Error).message);
    }
    return parseTokenFile(readFileSync(file, 'utf8'), file);
  }

  /** How many callers it names. */
  get size(): number {
    return this.entries.length;
  }

  reload(): void {
    this.entries = TokenFile.read(this.file);
  }

  async authenticate(req: AuthRequest): Promise<Caller> {
    const given = createHash('sha256').update(bearerToken(req), 'utf8').digest();
    // Every entry is compared, whichever matches: the time taken says nothing of which.
    let found: Entry | undefined;
    for (const entry of this.entries) if (timingSafeEqual(entry.hash, given) && !found) found = entry;
    if (!found) throw new AuthError('unauthenticated', 'unknown token', 'invalid_token');
    if (found.expiresMs !== null && this.now() >= found.expiresMs) {
      throw new AuthError(
        'unauthenticated',
        `the token of ${found.caller.user} expired at ${found.expires}: ask for a new one`,
        'invalid_token',
      );
    }
    return { user: found.caller.user, roles: [...found.caller.roles] };
  }
}
