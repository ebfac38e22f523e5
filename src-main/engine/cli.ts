// The `spincycle` command line: `server` (RM + JR in one process), `rm`, `jr`, `token` (a
// caller's token for --auth), and --help. Exit codes: 0 done, 1 failed while running, 2 bad
// usage or configuration (unknown flag, missing folder, invalid specs, bad address, a secret
// file others may read, a bad --auth file or certificate). SIGHUP reads the --auth file and the
// TLS certificate and key again.

import { statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { newToken, tokenEntry } from './auth/new-token';
import { parseExpiry } from './auth/token-file';
import { SpecError } from './grapher';
import { parseAddr } from './http/server';
import { createLogger } from './log';
import { readSecretFile } from './secret-file';
import {
  ACCESS_OPTIONS,
  ACCESS_USAGE,
  AUTH_OPTIONS,
  AUTH_USAGE,
  CA_OPTION,
  CA_USAGE,
  accessFlags,
  authFlags,
  tlsFiles,
} from './security-flags';
import { UsageError } from './usage-error';
import { DatabaseUrlError, parseDatabaseUrl, type DatabaseLocation } from './store/database-url';
import { DAMAGED_DB_POLICIES, type DamagedDbPolicy } from './store/open-store';
import {
  DEFAULT_DATA_DIR,
  DEFAULT_JR_ADDR,
  DEFAULT_RM_ADDR,
  startEngine,
  startJobRunner,
  startRequestManager,
  type Reload,
} from './server';

export { UsageError };

type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Resolves with the exit code. */
  run(values: Values, out: (s: string) => void): Promise<number>;
}

const help = { type: 'boolean', short: 'h' } as const;
const str = (v: Values, key: string): string | undefined => v[key] as string | undefined;

function requireFlag(v: Values, key: string): string {
  const value = str(v, key);
  if (value === undefined || value === '') throw new UsageError(`--${key} is required`);
  return value;
}

function folder(v: Values, key: string): string | undefined {
  const dir = str(v, key);
  if (dir === undefined) return undefined;
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`--${key} ${dir}: no such folder`);
  }
  if (!isDir) throw new UsageError(`--${key} ${dir}: not a folder`);
  return dir;
}

function address(v: Values, key: string, fallback: string): string {
  const addr = str(v, key) ?? fallback;
  try {
    const { port } = parseAddr(addr);
    if (port > 65535) throw new Error(`port ${port} is out of range`);
  } catch (err) {
    throw new UsageError(`--${key}: ${(err as Error).message}`);
  }
  return addr;
}

/** A required flag of one or more URLs: repeatable, and each may be a comma-separated list. */
function urls(v: Values, key: string): string[] {
  const given = ((v[key] ?? []) as string[]).flatMap((u) => u.split(',')).map((u) => u.trim());
  if (given.length === 0 || given.every((u) => u === '')) throw new UsageError(`--${key} is required`);
  const list = given.map((u) => checkedUrl(key, u));
  const twice = list.find((u, i) => list.indexOf(u) !== i);
  if (twice) throw new UsageError(`--${key} ${twice}: given twice`);
  return list;
}

function checkedUrl(key: string, value: string): string {
  if (value === '') throw new UsageError(`--${key}: an empty URL in the list`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`--${key} ${value}: not a URL (expected e.g. http://127.0.0.1:9999)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--${key} ${value}: only http:// and https:// URLs`);
  }
  return value.replace(/\/+$/, '');
}

/** A duration: `30s`, `500ms`, `2m`, or a number of seconds. */
function duration(v: Values, key: string, fallbackMs: number): number {
  const text = str(v, key);
  if (text === undefined) return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--${key} ${text}: expected a duration such as 30s, 500ms or 2m`);
  const ms = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[(m[2] ?? 's') as 'ms' | 's' | 'm'];
  if (ms > 24 * 3600 * 1000) throw new UsageError(`--${key} ${text}: at most a day`);
  return Math.round(ms);
}

/** --db (and --db-password-file); undefined: the SQLite file under --data. */
function database(v: Values): DatabaseLocation | undefined {
  const text = str(v, 'db');
  const passwordFile = str(v, 'db-password-file');
  if (text === undefined) {
    if (passwordFile !== undefined) throw new UsageError('--db-password-file goes with --db mysql://…');
    return undefined;
  }
  let db: DatabaseLocation;
  try {
    db = parseDatabaseUrl(text);
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new UsageError(`--db: ${err.message}`);
    throw err;
  }
  if (passwordFile === undefined) return db;
  if (db.kind !== 'mysql') throw new UsageError('--db-password-file goes with --db mysql://…');
  if (db.password !== undefined) throw new UsageError('--db names a password already: give it in one place');
  try {
    return { ...db, password: readSecretFile(passwordFile, 1) };
  } catch (err) {
    throw new UsageError(`--db-password-file ${(err as Error).message}`);
  }
}

/** Resolves when SIGINT or SIGTERM arrives (a second one exits at once). */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export const DEFAULT_GRACE_MS = 30_000;

interface Serving {
  reload(changes: Reload): Promise<void>;
}

/**
 * Serves until SIGINT or SIGTERM, then closes. On SIGHUP, reads the --auth file and the TLS
 * certificate and key again; a bad one is logged and the old one kept.
 */
async function serveUntilSignal(
  component: string,
  v: Values,
  running: Serving,
  close: () => Promise<void>,
): Promise<number> {
  const logger = createLogger(component);
  const onHangUp = () => {
    void (async () => {
      try {
        const tls = tlsFiles(v);
        await running.reload(tls ? { tls } : {});
        logger.info('reloaded the auth file and the TLS certificate', { signal: 'SIGHUP' });
      } catch (err) {
        logger.error('reload failed; still using what was loaded before', { error: (err as Error).message });
      }
    })();
  };
  process.on('SIGHUP', onHangUp);
  const signal = await untilSignal();
  process.off('SIGHUP', onHangUp);
  logger.info('shutting down', { signal });
  await close();
  return 0;
}

const ON_DAMAGED_DB_HELP = `  --on-damaged-db move-aside|refuse
                        a database that fails its integrity check at start (or is empty):
                        move it aside and start on an empty one (default), or do not start`;

const JOB_CGROUPS_HELP = `  --job-cgroups auto|off
                        auto (default): each shell try in its own cgroup where Linux allows,
                        so that nothing it starts outlives it; off: process groups only`;

function jobCgroups(v: Values): boolean {
  const value = str(v, 'job-cgroups') ?? 'auto';
  if (value !== 'auto' && value !== 'off') throw new UsageError(`--job-cgroups ${value}: expected auto or off`);
  return value === 'auto';
}

function damagedDbPolicy(v: Values): DamagedDbPolicy {
  const value = str(v, 'on-damaged-db') ?? 'move-aside';
  if (!(DAMAGED_DB_POLICIES as readonly string[]).includes(value)) {
    throw new UsageError(`--on-damaged-db ${value}: expected ${DAMAGED_DB_POLICIES.join(' or ')}`);
  }
  return value as DamagedDbPolicy;
}

const COMMANDS: Record<string, Command> = {
  server: {
    summary: 'run the Request Manager and the Job Runner in one process',
    usage: `spincycle server --specs DIR [--jobs DIR] [--data DIR] [--rm-addr HOST:PORT] [--jr-addr HOST:PORT]
                        [--auth FILE] [--tls-cert FILE --tls-key FILE] [--on-damaged-db move-aside|refuse]
                        [--job-cgroups auto|off]

  --specs DIR           request specs (*.yaml), required
  --jobs DIR            job-type modules (*.js, *.mjs) added to the built-in noop, shell, sleep
  --data DIR            where the database lives (default ${DEFAULT_DATA_DIR})
  --rm-addr HOST:PORT   Request Manager address (default ${DEFAULT_RM_ADDR})
  --jr-addr HOST:PORT   Job Runner address (default ${DEFAULT_JR_ADDR})
  --require-specs       refuse to start when the specs define no request type (else a warning)
${AUTH_USAGE}
${ACCESS_USAGE}
${ON_DAMAGED_DB_HELP}
${JOB_CGROUPS_HELP}

With --auth, the Job Runner's listener takes chains only with --peer-token-file (else from nobody:
the Request Manager calls it in this process).
Requests left RUNNING by a previous run end FAIL at start (chains are not resumed).`,
    options: {
      specs: { type: 'string' },
      jobs: { type: 'string' },
      data: { type: 'string' },
      'rm-addr': { type: 'string' },
      'jr-addr': { type: 'string' },
      'require-specs': { type: 'boolean' },
      ...AUTH_OPTIONS,
      ...ACCESS_OPTIONS,
      'on-damaged-db': { type: 'string' },
      'job-cgroups': { type: 'string' },
      help,
    },
    async run(v) {
      const auth = await authFlags(v);
      const engine = await startEngine({
        jobCgroups: jobCgroups(v),
        specsDir: folder(v, 'specs') ?? requireFlag(v, 'specs'),
        ...optionalJobs(v),
        dataDir: str(v, 'data') ?? DEFAULT_DATA_DIR,
        onDamagedDb: damagedDbPolicy(v),
        rmAddr: address(v, 'rm-addr', DEFAULT_RM_ADDR),
        jrAddr: address(v, 'jr-addr', DEFAULT_JR_ADDR),
        requireSpecs: v['require-specs'] === true,
        access: accessFlags(v),
        ...(auth ? { auth } : {}),
      });
      return serveUntilSignal('engine', v, engine, engine.close);
    },
  },
  rm: {
    summary: 'run the Request Manager alone, with a Job Runner at --jr-url',
    usage: `spincycle rm --specs DIR --jr-url URL [--jr-url URL…] [--db URL] [--jobs DIR] [--data DIR]
                    [--addr HOST:PORT] [--auth FILE --peer-token-file FILE] [--tls-cert FILE --tls-key FILE]
                    [--ca FILE] [--on-damaged-db move-aside|refuse]

  --specs DIR        request specs (*.yaml), required
  --jr-url URL       a Job Runner, e.g. http://127.0.0.1:9999 (ours or the original), required;
                     repeat it (or give a comma-separated list) for several: each new request
                     goes to the least loaded that answers
  --db URL           sqlite:PATH (default: spincycle.db under --data), or
                     mysql://USER@HOST:PORT/DATABASE (MariaDB >= 10.6, MySQL 8), which several
                     RMs can share; see docs/deploy.md
  --db-password-file FILE
                     the database password (only this user may read the file)
  --jobs DIR         job-type modules, as the Job Runner has them
  --data DIR         where the SQLite database lives (default ${DEFAULT_DATA_DIR})
  --addr HOST:PORT   listen address (default ${DEFAULT_RM_ADDR})
  --require-specs    refuse to start when the specs define no request type (else a warning)
${AUTH_USAGE}
${ACCESS_USAGE}
${CA_USAGE}
${ON_DAMAGED_DB_HELP}

Without --peer-token-file, a finish call is taken only once the JR says it is done with the
chain (the original's JR works unchanged); --auth needs --peer-token-file.`,
    options: {
      specs: { type: 'string' },
      'jr-url': { type: 'string', multiple: true },
      db: { type: 'string' },
      'db-password-file': { type: 'string' },
      jobs: { type: 'string' },
      data: { type: 'string' },
      addr: { type: 'string' },
      'require-specs': { type: 'boolean' },
      ...AUTH_OPTIONS,
      ...ACCESS_OPTIONS,
      ...CA_OPTION,
      'on-damaged-db': { type: 'string' },
      help,
    },
    async run(v) {
      const db = database(v);
      const auth = await authFlags(v);
      const access = accessFlags(v);
      if (auth && access.peerSecret === undefined) {
        throw new UsageError(
          '--auth needs --peer-token-file: without it anyone could post job logs and finish requests (give the JRs the same file)',
        );
      }
      const rm = await startRequestManager({
        specsDir: folder(v, 'specs') ?? requireFlag(v, 'specs'),
        jrUrls: urls(v, 'jr-url'),
        ...(db ? { db } : {}),
        ...optionalJobs(v),
        dataDir: str(v, 'data') ?? DEFAULT_DATA_DIR,
        onDamagedDb: damagedDbPolicy(v),
        addr: address(v, 'addr', DEFAULT_RM_ADDR),
        requireSpecs: v['require-specs'] === true,
        access,
        ...(auth ? { auth } : {}),
      });
      return serveUntilSignal('rm', v, rm, rm.close);
    },
  },
  jr: {
    summary: 'run the Job Runner alone, reporting to a Request Manager at --rm-url',
    usage: `spincycle jr --rm-url URL[,URL…] [--grace 30s] [--jobs DIR] [--data DIR] [--addr HOST:PORT]
                    [--peer-token-file FILE] [--tls-cert FILE --tls-key FILE] [--ca FILE] [--job-cgroups auto|off]

  --rm-url URL       the Request Manager, e.g. http://127.0.0.1:8888 (ours or the original),
                     required; several (comma-separated or repeated) that share a database: logs
                     and finish calls go to the first that answers, in this order
  --grace DURATION   on SIGTERM: no new job starts, running ones get this long (default 30s),
                     then are stopped; each unfinished chain goes back to the RM, which resumes
                     it on another Job Runner (an original RM: it ends STOPPED)
  --jobs DIR         job-type modules (*.js, *.mjs) added to the built-in noop, shell, sleep
  --data DIR         where the output of running shell tries is spooled (default ${DEFAULT_DATA_DIR})
  --addr HOST:PORT   listen address (default ${DEFAULT_JR_ADDR})
${ACCESS_USAGE}
${CA_USAGE}
${JOB_CGROUPS_HELP}`,
    options: {
      'rm-url': { type: 'string', multiple: true },
      grace: { type: 'string' },
      jobs: { type: 'string' },
      data: { type: 'string' },
      addr: { type: 'string' },
      'job-cgroups': { type: 'string' },
      ...ACCESS_OPTIONS,
      ...CA_OPTION,
      help,
    },
    async run(v) {
      const graceMs = duration(v, 'grace', DEFAULT_GRACE_MS);
      const jr = await startJobRunner({
        jobCgroups: jobCgroups(v),
        rmUrls: urls(v, 'rm-url'),
        ...optionalJobs(v),
        dataDir: str(v, 'data') ?? DEFAULT_DATA_DIR,
        addr: address(v, 'addr', DEFAULT_JR_ADDR),
        access: accessFlags(v),
      });
      return serveUntilSignal('jr', v, jr, () => jr.drain(graceMs));
    },
  },
  token: {
    summary: 'make a bearer token for a caller, and its entry for an --auth file',
    usage: `spincycle token --user NAME [--role ROLE…] [--expires DATE|DURATION]

  --user NAME        who the token names: requests it creates are this user's
  --role ROLE        a role the caller has (repeatable, or comma-separated), matched against
                     the acl of request specs and --admin-role
  --expires WHEN     the token stops working then: an RFC 3339 time or a date
                     (2027-01-31), or a time from now (90d, 12h)

Prints the token (once: only its hash goes into the file) and the entry to add to the file.`,
    options: {
      user: { type: 'string' },
      role: { type: 'string', multiple: true },
      expires: { type: 'string' },
      help,
    },
    run(v, out) {
      const user = requireFlag(v, 'user');
      if (/[\s]/.test(user)) throw new UsageError('--user takes a name without white space');
      const roles = ((v.role ?? []) as string[]).flatMap((r) => r.split(',')).map((r) => r.trim());
      if (roles.some((r) => r === '')) throw new UsageError('--role takes a role name');
      out(tokenEntry(newToken(), user, roles, expiry(str(v, 'expires'))));
      return Promise.resolve(0);
    },
  },
};

/** --expires as the file writes it: a date or time as given, or a time from now (90d, 12h). */
function expiry(text: string | undefined): string | null {
  if (text === undefined) return null;
  const m = /^(\d+)(d|h)$/.exec(text);
  if (m) return new Date(Date.now() + Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000)).toISOString();
  if (parseExpiry(text) !== null) return text;
  throw new UsageError(`--expires ${text}: expected a date (2027-01-31), an RFC 3339 time, or 90d / 12h`);
}

function optionalJobs(v: Values): { jobsDir?: string } {
  const dir = folder(v, 'jobs');
  return dir === undefined ? {} : { jobsDir: dir };
}

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Spin Cycle engine\n\nUsage: spincycle <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun spincycle <command> --help for its flags.`;
}

/** Runs the command line `argv` (without node and script); resolves with the exit code. */
export async function main(
  argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? err : out)(`${overview()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    err(`spincycle: unknown command ${JSON.stringify(name)}\n\n${overview()}\n`);
    return 2;
  }
  try {
    let values: Values;
    try {
      values = parseArgs({ args: [...rest], options: command.options, strict: true, allowPositionals: false }).values;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (values.help) {
      out(`Usage: ${command.usage}\n`);
      return 0;
    }
    return await command.run(values, out);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`spincycle ${name}: ${e.message}\nRun spincycle ${name} --help for usage.\n`);
      return 2;
    }
    if (e instanceof SpecError) {
      err(`spincycle ${name}: invalid request specs:\n${e.message}\n`);
      return 2;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      err(`spincycle ${name}: cannot listen: ${(e as Error).message}\n`);
      return 1;
    }
    err(`spincycle ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
