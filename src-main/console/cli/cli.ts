// `spincycle` as an operator's client (the seed's spinc, working): talks to any Request Manager
// given by --addr, or by --context (a context saved in the console), and prints for people or,
// with --json, the wire JSON for scripts. Exit codes: 0 ok, 1 the command failed (the RM
// refused or answered nonsense, or with --wait the request did not COMPLETE), 2 bad usage
// (a bad --addr too), 3 the RM is unreachable. Everything printed passes through printable():
// text a server sent cannot move the cursor, retitle the window or hide lines in a terminal.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import {
  STATE_COMPLETE,
  STATE_PENDING,
  STATE_RUNNING,
  encodeJobLogs,
  encodeRequest,
  encodeRequestSpecs,
  encodeRequestStatus,
  encodeRunningStatus,
  stateName,
  type JsonObject,
  type JsonValue,
  type RequestSpec,
} from '../../shared/proto';
import { RmClient, RmClientError, checkRmUrl } from '../client/rm-client';
import { CACHE_FILE, defaultDataDir } from '../data-dir';
import { readEngineSecret } from '../engine-secret';
import { followJobOutput } from './follow';
import { formatLogs, formatPs, formatRequest, formatSpecs, formatStatus } from './format';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Writes text as it is, no newline added (log --follow); without it, out/err are used. */
  write?(stream: 'stdout' | 'stderr', text: string): void;
  env: NodeJS.ProcessEnv;
}

export const CONSOLE_COMMANDS = ['ps', 'status', 'log', 'start', 'stop', 'specs', 'running', 'contexts'] as const;

export const CLIENT_HELP = `Usage: spincycle [--addr URL | --context NAME] [--json] <command> [args]

Commands (against any Request Manager):
  ps                        running jobs, longest-running first
  status <id>               a request's state, progress and job states
  log <id> [job]            every try of every job (or of one job)
  log <id> <job> --follow   the job's output as it comes; exits with the job's
                            exit code when its try ends
  start <type> [k=v ...]    start a request; a value that is a JSON list or object
                            is sent as JSON (hosts=["web1","web2"]); --wait waits
                            for the end and exits 0 only if it COMPLETEs
  stop <id>                 stop a running request and wait for it to end
  running <id>              exit 0 if the request is pending or running, else 1
  specs [type]              request types and their args (* = required)
  contexts                  the contexts saved in the console

Options:
  --addr URL        Request Manager base URL (or env SPINCYCLE_ADDR, or ADDR)
  --context NAME    use a context saved in the console (e.g. local, prod)
  --secret-file F   send the secret in F as "Authorization: Bearer" (an engine started
                    with --api-secret-file; --context local reads the console's own)
  --json            print the wire JSON instead of text
  --timeout MS      per-call timeout (default 10000)
  --wait            with start: wait for the request to end
  -f, --follow      with log: follow a running job's output
  -h, --help        this help

Exit codes: 0 ok, 1 command failed, 2 bad usage, 3 Request Manager unreachable;
log --follow: the job's exit code (1 when it failed without one).`;

class UsageError extends Error {}

const MAX_TIMEOUT_MS = 24 * 3600 * 1000;

interface SavedContext {
  name: string;
  url: string;
  env_label: string | null;
  embedded: number;
}

function savedContexts(env: NodeJS.ProcessEnv): SavedContext[] {
  const file = path.join(defaultDataDir(env), CACHE_FILE);
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT name, url, env_label, embedded FROM contexts ORDER BY position, name')
      .all() as SavedContext[];
  } catch {
    return [];
  } finally {
    db.close();
  }
}

/** Where to send calls, and the secret to send with them. */
function resolveTarget(
  values: { addr?: string; context?: string; 'secret-file'?: string },
  env: NodeJS.ProcessEnv,
): { url: string; secret?: string } {
  const fromFile = values['secret-file'] === undefined ? undefined : secretFrom(values['secret-file']);
  const target = (url: string, secret?: string) => {
    try {
      checkRmUrl(url);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const s = fromFile ?? secret;
    return s === undefined ? { url } : { url, secret: s };
  };
  if (values.addr) return target(values.addr);
  if (values.context) {
    const all = savedContexts(env);
    const found = all.find((c) => c.name === values.context);
    if (!found) {
      const names = all.map((c) => c.name).join(', ') || 'none saved yet: add one in the console';
      throw new UsageError(`no context named ${values.context} (contexts: ${names})`);
    }
    // The console's own engine takes calls only with this run's secret, kept beside the cache.
    return target(found.url, found.embedded ? (readEngineSecret(defaultDataDir(env)) ?? undefined) : undefined);
  }
  const fromEnv = env.SPINCYCLE_ADDR || env.ADDR;
  if (fromEnv) return target(fromEnv);
  throw new UsageError('no Request Manager given: use --addr http://host:8888, --context NAME, or set SPINCYCLE_ADDR');
}

function secretFrom(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`--secret-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (text === '') throw new UsageError(`--secret-file ${file}: the file is empty`);
  return text;
}

/**
 * `text` safe to print on a terminal: control characters other than newline and tab (escape
 * sequences, carriage returns, C1 controls, bidirectional overrides) are shown as \uXXXX,
 * which also keeps JSON output valid JSON with the same value.
 */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** key=value words into args; JSON lists/objects are sent as JSON, everything else as a string. */
export function parseKeyValues(words: readonly string[]): JsonObject {
  const args: JsonObject = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid argument ${JSON.stringify(word)}: expected key=value`);
    const key = word.slice(0, eq);
    const raw = word.slice(eq + 1);
    let value: JsonValue = raw;
    if (/^\s*[[{]/.test(raw)) {
      try {
        value = JSON.parse(raw) as JsonValue;
      } catch {
        throw new UsageError(`argument ${key}: ${JSON.stringify(raw)} looks like JSON but does not parse`);
      }
    }
    args[key] = value;
  }
  return args;
}

function checkArgs(spec: RequestSpec, args: JsonObject): void {
  const declared = new Set((spec.Args ?? []).map((a) => a.Name));
  const unknown = Object.keys(args).filter((k) => !declared.has(k));
  if (unknown.length > 0) {
    throw new UsageError(`unknown args for ${spec.Name}: ${unknown.join(', ')} (see: spincycle specs ${spec.Name})`);
  }
  const missing = (spec.Args ?? []).filter((a) => a.Required && (args[a.Name] === undefined || args[a.Name] === ''));
  if (missing.length > 0) {
    throw new UsageError(
      `missing required args for ${spec.Name}: ${missing.map((a) => `${a.Name} (${a.Desc})`).join(', ')}`,
    );
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForEnd(rm: RmClient, id: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await rm.getRequest(id);
    if (r.state !== STATE_PENDING && r.state !== STATE_RUNNING) return r.state;
    if (Date.now() > deadline) return r.state;
    await sleep(250);
  }
}

export async function runConsoleCli(argv: readonly string[], raw: CliIo): Promise<number> {
  const io: CliIo = {
    out: (t) => raw.out(printable(t)),
    err: (t) => raw.err(printable(t)),
    write: (stream, t) =>
      raw.write ? raw.write(stream, printable(t)) : (stream === 'stdout' ? raw.out : raw.err)(printable(t)),
    env: raw.env,
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        addr: { type: 'string' },
        context: { type: 'string' },
        'secret-file': { type: 'string' },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        wait: { type: 'boolean' },
        follow: { type: 'boolean', short: 'f' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`spincycle: ${(err as Error).message}\n${CLIENT_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command || command === 'help') {
    io.out(CLIENT_HELP);
    return 0;
  }
  const json = values.json === true;
  try {
    if (command === 'contexts') {
      const all = savedContexts(io.env).map(({ name, url, env_label }) => ({ name, url, env_label }));
      io.out(
        json
          ? JSON.stringify(all)
          : all.map((c) => `${c.name.padEnd(16)} ${c.url}${c.env_label ? `  [${c.env_label}]` : ''}`).join('\n'),
      );
      return 0;
    }
    if (!(CONSOLE_COMMANDS as readonly string[]).includes(command)) {
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
    const timeoutMs = values.timeout === undefined ? 10_000 : Number(values.timeout);
    // At most a day: past 2^31 ms a Node timer (the call's timeout) fires at once.
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS)
      throw new UsageError(`--timeout must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
    const { url, secret } = resolveTarget(values, io.env);
    const rm = new RmClient({ baseUrl: url, timeoutMs, ...(secret === undefined ? {} : { secret }) });
    const need = (what: string) => {
      const v = rest[0];
      if (!v) throw new UsageError(`usage: spincycle ${command} <${what}>`);
      return v;
    };

    switch (command) {
      case 'ps': {
        const running = await rm.running();
        const text = json ? encodeRunningStatus(running) : formatPs(running);
        if (text) io.out(text);
        return 0;
      }
      case 'status': {
        const s = await rm.requestStatus(need('id'));
        io.out(json ? encodeRequestStatus(s) : formatStatus(s));
        return 0;
      }
      case 'log': {
        const id = need('id');
        const job = rest[1];
        if (values.follow) {
          if (!job) throw new UsageError('usage: spincycle log <id> <job> --follow');
          if (json) throw new UsageError('log --follow prints the output as it comes; it does not take --json');
          return await followJobOutput(rm, id, job, { write: (s, t) => io.write?.(s, t), note: (t) => io.err(t) });
        }
        const logs = (await rm.jobLogs(id)).filter((l) => !job || l.jobId === job);
        if (job && logs.length === 0) {
          io.err(`spincycle: no log for job ${job} of request ${id}`);
          return 1;
        }
        io.out(json ? encodeJobLogs(logs) : formatLogs(logs));
        return 0;
      }
      case 'running': {
        const r = await rm.getRequest(need('id'));
        return r.state === STATE_PENDING || r.state === STATE_RUNNING ? 0 : 1;
      }
      case 'specs': {
        const specs = await rm.requestList();
        const only = rest[0];
        const shown = only ? specs.filter((s) => s.Name === only) : specs;
        if (only && shown.length === 0) throw new UsageError(`unknown request type ${only}`);
        io.out(json ? encodeRequestSpecs(shown) : formatSpecs(shown));
        return 0;
      }
      case 'start': {
        const type = need('type');
        const args = parseKeyValues(rest.slice(1));
        const spec = (await rm.requestList()).find((s) => s.Name === type);
        if (!spec) throw new UsageError(`unknown request type ${type} (see: spincycle specs)`);
        checkArgs(spec, args);
        const r = await rm.createRequest(type, args, io.env.USER ?? '');
        if (!values.wait) {
          io.out(json ? encodeRequest(r) : `OK, started ${type} request ${r.id}\n\n  spincycle status ${r.id}\n`);
          return 0;
        }
        const end = await waitForEnd(rm, r.id, 24 * 3600_000);
        const final = await rm.getRequest(r.id);
        io.out(json ? encodeRequest(final) : formatRequest(final));
        return end === STATE_COMPLETE ? 0 : 1;
      }
      case 'stop': {
        const id = need('id');
        await rm.stopRequest(id);
        const end = await waitForEnd(rm, id, 15_000);
        io.out(json ? encodeRequest(await rm.getRequest(id)) : `OK, stopped ${id} (${stateName(end)})`);
        return 0;
      }
    }
    return 2;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`spincycle: ${err.message}`);
      return 2;
    }
    if (err instanceof RmClientError) {
      io.err(`spincycle: ${err.message}`);
      return err.kind === 'unreachable' || err.kind === 'timeout' ? 3 : 1;
    }
    io.err(`spincycle: ${(err as Error).message}`);
    return 1;
  }
}
