// Who may talk to an engine listener. Checked before any route:
// - Host: a page a browser loaded can rebind its own name to 127.0.0.1 and then call the
//   engine as if it were its own site (DNS rebinding). The browser still sends the page's
//   name in Host, so only names that belong to this engine are answered: loopback names, the
//   listen address (for a wildcard one, this machine's addresses and host name) and the names
//   given with --allow-host.
// - API secret (--api-secret-file; the console's embedded engine): every call carries
//   `Authorization: Bearer <secret>`.
// Per route, the router's guard: the peer token (peer-only.ts) on the calls the RM and the JR
// make to each other, and the callers' tokens and roles on the RM's (rm/guard.ts).

import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import { clip } from '../../shared/clip';

export interface AccessOptions {
  /** Host names clients may use besides loopback names and the listen address (--allow-host). */
  allowHosts?: readonly string[];
  /** Every call must carry `Authorization: Bearer <apiSecret>` (--api-secret-file). */
  apiSecret?: string;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** The listen host accepts connections on every interface. */
export const isWildcard = (host: string): boolean => WILDCARDS.has(host);

/** A name or address that only ever means this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = normalizeHost(host);
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    h === '::1' ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  );
}

/** Lower case, without IPv6 brackets or one trailing dot. */
function normalizeHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/** The host name of a Host header (`name:port`, `[v6]:port`), or null when it is not one. */
function hostOf(header: string | undefined): string | null {
  if (!header) return null;
  try {
    const url = new URL(`http://${header}/`);
    return url.username || url.password || url.pathname !== '/' ? null : normalizeHost(url.hostname);
  } catch {
    return null;
  }
}

/** The names a client may put in Host to reach a listener on `listenHost`. */
function allowedNames(listenHost: string, extra: readonly string[]): Set<string> {
  const names = new Set(extra.map(normalizeHost));
  if (!isWildcard(listenHost)) names.add(normalizeHost(listenHost));
  else {
    names.add(normalizeHost(os.hostname()));
    for (const list of Object.values(os.networkInterfaces())) {
      for (const a of list ?? []) names.add(normalizeHost(a.address));
    }
  }
  return names;
}

/** Same secret, compared in constant time (for equal lengths; the length is not a secret). */
export function sameSecret(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why a call is refused before any route (status and plain-text answer). */
export interface Refusal {
  status: 401 | 403;
  message: string;
}

/** A check run before every route of a listener on `listenHost`: why the call is refused, or null. */
export type AccessCheck = (headers: IncomingHttpHeaders) => Refusal | null;

export function accessCheck(listenHost: string, options: AccessOptions = {}): AccessCheck {
  const names = allowedNames(listenHost, options.allowHosts ?? []);
  const secret = options.apiSecret;
  return (headers) => {
    const host = hostOf(headers.host);
    if (host === null || !(isLoopbackHost(host) || names.has(host))) {
      const shown = clip(headers.host ?? '', 100);
      return {
        status: 403,
        message:
          `Host ${JSON.stringify(shown)} is not a name of this engine: use a loopback name or its listen address, ` +
          `or start it with --allow-host ${host === null ? 'NAME' : clip(host, 100)}`,
      };
    }
    if (secret !== undefined) {
      const m = /^Bearer (.+)$/.exec(headers.authorization ?? '');
      if (!sameSecret(secret, m?.[1])) {
        return {
          status: 401,
          message: 'missing or wrong Authorization: Bearer <secret> (this engine requires its API secret)',
        };
      }
    }
    return null;
  };
}

/** Which listener, for what an open one lets anyone do. */
export type Exposed = 'jr' | 'rm' | 'rm-with-jr-in-process';

const OPENS: Readonly<Record<Exposed, string>> = {
  jr: 'post job chains to the job runner, that is run any command as this user',
  rm: 'start and stop requests of the loaded specs, and post job logs to them',
  'rm-with-jr-in-process': 'start and stop requests of the loaded specs',
};

/**
 * The warning for a listener on `host` (`addr` as given) that is reachable beyond loopback
 * without a secret, saying what that opens; null on loopback or with a peer or API secret.
 */
export function exposureWarning(
  host: string,
  addr: string,
  what: Exposed,
  secrets: { peerSecret?: string; apiSecret?: string },
): string | null {
  if (isLoopbackHost(host) || secrets.peerSecret !== undefined || secrets.apiSecret !== undefined) return null;
  return (
    `listening on ${addr}, beyond loopback, without --peer-token-file: anyone who can reach it can ${OPENS[what]} ` +
    '(see docs/security.md)'
  );
}
