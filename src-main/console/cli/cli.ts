// `spincycle` as an operator's client (the seed's spinc, working): talks to any Request Manager
// (ours, the 2017 original, today's v2.x; the protocol is detected) given by --addr, or by
// --context (a context saved in the console), and prints for people or, with --json, the
// console model as JSON (the same shape whatever the server speaks). Exit codes: 0 ok, 1 the
// command failed (the RM refused or answered nonsense, or with --wait the request did not
// COMPLETE), 2 bad usage (a bad --addr too), 3 the RM is unreachable. Everything printed passes
// through printable(): text a server sent cannot move the cursor, retitle the window or hide
// lines in a terminal.

import { parseArgs } from 'node:util';
import {
  RequestState,
  UNFINISHED_STATES,
  stateByName,
  stateLabel,
  type FindQuery,
  type RequestType,
  type RmRequest,
} from '../../shared/console-model';
import type { JsonObject, JsonValue } from '../../shared/proto';
import { parseGoDuration, timeToNanos } from '../../shared/proto-v2';
import { startCommand } from '../../shared/shell-word';
import { serverLabel } from '../../shared/server-label';
import { connectRm } from '../client/connection';
import type { RmApi } from '../client/rm-api';
import { RmClientError } from '../client/transport';
import { CredentialsError } from '../credentials';
import { argsFromChain } from '../rerun-args';
import { followJobOutput } from './follow';
import { formatLogs, formatPs, formatRequest, formatRequests, formatSpecs, formatStatus, jobLabel } from './format';
import { toJson } from './json';
import { UsageError, cachedRequestArgs, recordRerun, resolveTarget, savedContexts } from './target';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Writes text as it is, no newline added (log --follow); without it, out/err are used. */
  write?(stream: 'stdout' | 'stderr', text: string): void;
  env: NodeJS.ProcessEnv;
}

export const CONSOLE_COMMANDS = [
  'ps',
  'status',
  'log',
  'start',
  'stop',
  'rerun',
  'retry',
  'specs',
  'running',
  'requests',
  'contexts',
] as const;

/** Requests listed when --limit is not given. */
const DEFAULT_LIMIT = 100;

export const CLIENT_HELP = `Usage: spincycle [--addr URL | --context NAME] [--json] <command> [args]

Commands (against any Request Manager: ours, the 2017 original, or v2.x):
  ps                        running jobs, longest-running first
  status <id>               a request's state, args, progress and job states
  log <id> [job]            every try of every job (or of one job, by id or name)
  log <id> <job> --follow   the job's output as it comes; exits with the job's
                            exit code when its try ends
  start <type> [k=v ...]    start a request; a value that is a JSON list or object
                            is sent as JSON (hosts=["web1","web2"]); --wait waits
                            for the end and exits 0 only if it COMPLETEs
  stop <id>                 stop a running request and wait for it to end
  rerun <id>                start a new request of the same type with the same args
                            (linked to it on our RM); --wait as with start
  retry <id>                run again, in place, the jobs of a FAIL, TIMEOUT or
                            STOPPED request that did not complete (our RM only);
                            --wait as with start
  running <id>              exit 0 if the request has not ended (pending, running,
                            suspended), else 1
  requests [filters]        the server's requests, newest first (ours and v2.x;
                            the 2017 original cannot list them):
                              --type T  --state S (repeatable)  --user U
                              --arg k=v (repeatable)  --since TIME  --until TIME
                              --limit N (default ${DEFAULT_LIMIT})  --offset N
                            TIME is RFC 3339 (2026-12-02T18:08:35Z) or an age (90m, 2h, 7d)
  specs [type]              request types and their args (* = required)
  contexts                  the contexts saved in the console

Options:
  --addr URL        Request Manager base URL (or env SPINCYCLE_ADDR, or ADDR)
  --context NAME    use a context saved in the console (e.g. local, prod)
  --secret-file F   send the token in F as "Authorization: Bearer": a caller's token for an
                    RM with --auth, or the secret of an engine started with --api-secret-file
                    (--context local reads the console's own); only you may read F
  --ca FILE         trust the certificate authorities in FILE (PEM) for https:// servers
  --json            print the console model as JSON instead of text
  --timeout MS      per-call timeout (default 10000)
  --wait            with start, rerun, retry: wait for the request to end
  -f, --follow      with log: follow a running job's output
  -h, --help        this help

Credentials: SPINCYCLE_HEADERS ("Name: value" lines, e.g. "Authorization: Bearer …") and
SPINCYCLE_CA_FILE, SPINCYCLE_CERT_FILE, SPINCYCLE_KEY_FILE; a saved context's header values
come from the owner-only file SPINCYCLE_CREDENTIALS (default <data dir>/credentials.json).

Exit codes: 0 ok, 1 command failed, 2 bad usage, 3 Request Manager unreachable;
log --follow: the job's exit code (1 when it failed without one).`;

const MAX_TIMEOUT_MS = 24 * 3600 * 1000;

/** Said after a server refused to talk to the CLI at all (401): where a token goes. */
const TOKEN_HINT =
  'It wants a token: --secret-file FILE (only you may read it), SPINCYCLE_HEADERS="Authorization: Bearer <token>", ' +
  "or with --context, the context's credentials (set in the console, or in the credentials file)";

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

function checkArgs(type: RequestType, args: JsonObject): void {
  const settable = type.args.filter((a) => a.kind !== 'static');
  const declared = new Set(settable.map((a) => a.name));
  const unknown = Object.keys(args).filter((k) => !declared.has(k));
  if (unknown.length > 0) {
    throw new UsageError(`unknown args for ${type.name}: ${unknown.join(', ')} (see: spincycle specs ${type.name})`);
  }
  const missing = settable.filter((a) => a.kind === 'required' && (args[a.name] === undefined || args[a.name] === ''));
  if (missing.length > 0) {
    throw new UsageError(
      `missing required args for ${type.name}: ${missing.map((a) => `${a.name} (${a.desc})`).join(', ')}`,
    );
  }
}

/** RFC 3339 as given, or an age (`90m`, `2h`, `7d`) back from now. */
export function parseTime(option: string, text: string, nowMs = Date.now()): string {
  if (timeToNanos(text) !== null) return text;
  const days = /^(\d+(?:\.\d+)?)d$/.exec(text);
  const ms = days ? Number(days[1]) * 86_400_000 : parseGoDuration(text);
  if (ms === null || ms < 0) {
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: expected an RFC 3339 time (2026-12-02T18:08:35Z) or an age (90m, 2h, 7d)`,
    );
  }
  return new Date(nowMs - ms).toISOString();
}

function wholeNumber(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`${option} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function findQueryOf(values: {
  type?: string | undefined;
  state?: string[] | undefined;
  user?: string | undefined;
  arg?: string[] | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit?: string | undefined;
  offset?: string | undefined;
}): FindQuery {
  const query: FindQuery = { limit: wholeNumber('--limit', values.limit) ?? DEFAULT_LIMIT };
  const offset = wholeNumber('--offset', values.offset);
  if (offset !== undefined) query.offset = offset;
  if (values.type) query.type = values.type;
  if (values.user !== undefined) query.user = values.user;
  if (values.state?.length) {
    query.states = values.state.map((name) => {
      const s = stateByName(name);
      if (s === undefined) {
        throw new UsageError(`--state ${name}: not a state (${Object.keys(RequestState).join(', ')})`);
      }
      return s;
    });
  }
  if (values.arg?.length) {
    query.args = values.arg.map((a) => {
      const eq = a.indexOf('=');
      if (eq <= 0) throw new UsageError(`--arg ${JSON.stringify(a)}: expected name=value`);
      return [a.slice(0, eq), a.slice(eq + 1)];
    });
  }
  if (values.since) query.since = parseTime('--since', values.since);
  if (values.until) query.until = parseTime('--until', values.until);
  return query;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForEnd(rm: RmApi, id: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await rm.getRequest(id);
    if (!UNFINISHED_STATES.has(r.state) || Date.now() > deadline) return r.state;
    await sleep(250);
  }
}

/** Waits (a day at most) for the request to end, prints it; 0 only if it COMPLETEd. */
async function waitAndPrint(rm: RmApi, id: string, json: boolean, io: CliIo): Promise<number> {
  const end = await waitForEnd(rm, id, 24 * 3600_000);
  const final = await rm.getRequest(id);
  io.out(json ? toJson(final) : formatRequest(final));
  return end === RequestState.COMPLETE ? 0 : 1;
}

/**
 * A re-run on a server that does not re-run requests itself (the 2017 original, v2.x): a new
 * request with the args the server tells (v2) or the console cached when it created the request;
 * with --context, the console's cache links the two, as the console's own re-run does. Else
 * null, having printed the command to check, with the args read from the chain's jobs.
 */
async function rerunElsewhere(
  rm: RmApi,
  id: string,
  context: string | undefined,
  io: CliIo,
): Promise<RmRequest | null> {
  const r = await rm.getRequest(id);
  const args = r.args ?? (context === undefined ? null : cachedRequestArgs(io.env, context, id));
  if (args) {
    const created = await rm.createRequest(r.type, args, io.env.USER ?? '');
    const unrecorded = context === undefined ? null : recordRerun(io.env, context, created.id, id);
    if (unrecorded)
      io.err(`spincycle: warning: the console will not show ${created.id} as a re-run of ${id}: ${unrecorded}\n`);
    return created;
  }
  const type = (await rm.requestTypes()).find((t) => t.name === r.type);
  const names = (type?.args ?? []).filter((a) => a.kind !== 'static').map((a) => a.name);
  const guessed = argsFromChain(names, (await rm.jobChain(id)).jobs);
  const target = context === undefined ? ['--addr', rm.shownUrl] : ['--context', context];
  io.err(
    `spincycle: this Request Manager does not record a request's args, and the console did not create ${id}.\n` +
      `Read from its jobs' args, it was most likely started with the command below; check the args, then run it:\n\n` +
      `  ${startCommand(target, r.type, guessed)}\n`,
  );
  return null;
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
        ca: { type: 'string' },
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        wait: { type: 'boolean' },
        follow: { type: 'boolean', short: 'f' },
        help: { type: 'boolean', short: 'h' },
        type: { type: 'string' },
        state: { type: 'string', multiple: true },
        user: { type: 'string' },
        arg: { type: 'string', multiple: true },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        offset: { type: 'string' },
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
  let rm: RmApi | undefined;
  try {
    if (command === 'contexts') {
      const all = savedContexts(io.env);
      io.out(
        json
          ? toJson(all.map((c) => ({ name: c.name, url: c.url, envLabel: c.env_label, server: c.server })))
          : all
              .map((c) => {
                const server = serverLabel(c.server) ?? 'not reached yet';
                return `${c.name.padEnd(16)} ${c.url}  ${server}${c.env_label ? `  [${c.env_label}]` : ''}`;
              })
              .join('\n'),
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
    // Checked before any call: a bad filter is bad usage, whatever the server.
    const query = command === 'requests' ? findQueryOf(values) : null;
    rm = await connectRm(resolveTarget(values, io.env, timeoutMs));
    const need = (what: string) => {
      const v = rest[0];
      if (!v) throw new UsageError(`usage: spincycle ${command} <${what}>`);
      return v;
    };

    switch (command) {
      case 'ps': {
        const running = await rm.running();
        const text = json ? toJson(running) : formatPs(running);
        if (text) io.out(text);
        return 0;
      }
      case 'status': {
        const id = need('id');
        const request = await rm.getRequest(id);
        const { statuses } = await rm.jobStatuses(id);
        io.out(json ? toJson({ request, jobs: statuses }) : formatStatus(request, statuses));
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
        const logs = (await rm.jobLogs(id)).filter((l) => !job || l.jobId === job || l.name === job);
        if (job && logs.length === 0) {
          io.err(`spincycle: no log for job ${job} of request ${id}`);
          return 1;
        }
        if (job && new Set(logs.map((l) => l.jobId)).size > 1) {
          const ids = [...new Set(logs.map(jobLabel))].join(', ');
          io.err(`spincycle: several jobs are named ${job}: ${ids}; give one by its id`);
          return 2;
        }
        io.out(json ? toJson(logs) : formatLogs(logs));
        return 0;
      }
      case 'running': {
        const r = await rm.getRequest(need('id'));
        return UNFINISHED_STATES.has(r.state) ? 0 : 1;
      }
      case 'specs': {
        const types = await rm.requestTypes();
        const only = rest[0];
        const shown = only ? types.filter((t) => t.name === only) : types;
        if (only && shown.length === 0) throw new UsageError(`unknown request type ${only}`);
        io.out(json ? toJson(shown) : formatSpecs(shown));
        return 0;
      }
      case 'requests': {
        const { requests, total } = await rm.findRequests(query as FindQuery);
        const text = json ? toJson(requests) : formatRequests(requests);
        if (text) io.out(text);
        const from = query?.offset ?? 0;
        const more = total === null ? requests.length === query?.limit : from + requests.length < total;
        if (!json && more) {
          const of = total === null ? '' : ` of ${total}`;
          io.err(`(${from + 1}-${from + requests.length}${of}, newest first; --limit and --offset show more)`);
        }
        return 0;
      }
      case 'start': {
        const type = need('type');
        const args = parseKeyValues(rest.slice(1));
        const spec = (await rm.requestTypes()).find((t) => t.name === type);
        if (!spec) throw new UsageError(`unknown request type ${type} (see: spincycle specs)`);
        checkArgs(spec, args);
        const r = await rm.createRequest(type, args, io.env.USER ?? '');
        if (!values.wait) {
          io.out(json ? toJson(r) : `OK, started ${type} request ${r.id}\n\n  spincycle status ${r.id}\n`);
          return 0;
        }
        return waitAndPrint(rm, r.id, json, io);
      }
      case 'rerun': {
        const id = need('id');
        const r = (await rm.rerun(id, io.env.USER ?? '')) ?? (await rerunElsewhere(rm, id, values.context, io));
        if (r === null) return 1;
        if (!values.wait) {
          io.out(json ? toJson(r) : `OK, re-ran ${id} as ${r.type} request ${r.id}\n\n  spincycle status ${r.id}\n`);
          return 0;
        }
        return waitAndPrint(rm, r.id, json, io);
      }
      case 'retry': {
        const id = need('id');
        const started = await rm.retry(id, io.env.USER ?? '');
        if (!values.wait) {
          const { jobs, attempt } = started;
          const n = `${jobs.length} job${jobs.length === 1 ? '' : 's'}`;
          io.out(
            json
              ? toJson(started)
              : `OK, retrying ${id} (attempt ${attempt}): ${n} run again: ${jobs.join(', ')}\n\n  spincycle status ${id}\n`,
          );
          return 0;
        }
        return waitAndPrint(rm, id, json, io);
      }
      case 'stop': {
        const id = need('id');
        await rm.stopRequest(id);
        const end = await waitForEnd(rm, id, 15_000);
        io.out(json ? toJson(await rm.getRequest(id)) : `OK, stopped ${id} (${stateLabel(end)})`);
        return 0;
      }
    }
    return 2;
  } catch (err) {
    if (err instanceof UsageError || err instanceof CredentialsError) {
      io.err(`spincycle: ${err.message}`);
      return 2;
    }
    if (err instanceof RmClientError) {
      io.err(`spincycle: ${err.message}`);
      if (err.kind === 'refused' && err.status === 401) io.err(TOKEN_HINT);
      return err.kind === 'unreachable' || err.kind === 'timeout' ? 3 : 1;
    }
    io.err(`spincycle: ${(err as Error).message}`);
    return 1;
  } finally {
    rm?.close();
  }
}
