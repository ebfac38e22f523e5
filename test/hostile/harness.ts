// The hostile suite's tools: real `spincycle` processes (bin/spincycle.js under this Node),
// raw HTTP on loopback with any header (fetch would not send a forged Host), and a tally of
// what every hostile call did: answered or hung, 5xx or not, the engine still alive or not.
// docs/reliability.md gives the tallies.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from '../../src-main/shared/result';
import { freePort } from '../support/engine/integration/test-engine';

export { freePort, tempDir } from '../support/engine/integration/test-engine';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/spincycle.js');
export const EXAMPLE_SPECS = path.join(ROOT, 'resources/specs');

/** A secret file only this user may read. */
export function secretFile(dir: string, name: string, secret: string, mode = 0o600): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${secret}\n`);
  chmodSync(file, mode);
  return file;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface Call {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** No answer within this is a hang (default 30 s). */
  timeoutMs?: number;
  /** PEM: the CAs to trust for an https:// URL. */
  ca?: string;
}

export class HangError extends Error {
  override name = 'HangError';
}

/** One HTTP(S) call with exactly the headers given (Host included); JSON content type when a body is sent. */
export function send(baseUrl: string, call: Call): Promise<Answer> {
  const url = new URL(call.path, baseUrl);
  const headers: Record<string, string> = {
    ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...call.headers,
  };
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...(call.ca === undefined ? {} : { ca: call.ca }),
        hostname: url.hostname,
        port: url.port,
        method: call.method ?? 'GET',
        path: url.pathname + url.search,
        headers,
        agent: false,
        timeout: call.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new HangError(`${call.method ?? 'GET'} ${call.path}: no answer`)));
    req.on('error', reject);
    req.end(call.body);
  });
}

/** A running `spincycle server|rm|jr` process. */
export interface EngineProcess {
  child: ChildProcess;
  /** URLs from its "started" log line. */
  rmUrl: string;
  jrUrl: string;
  /** Everything it wrote to stderr so far. */
  log(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts `spincycle <args>` and waits for its "started" line (rm= jr= url= fields give the URLs). */
export async function startProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<EngineProcess> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  child.stderr?.setEncoding('utf8');
  const started = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`spincycle ${args.join(' ')} did not start:\n${log}`)), 60_000);
    child.stderr?.on('data', (chunk: string) => {
      log += chunk;
      const line = log.split('\n').find((l) => / (engine|request manager|job runner) started /.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`spincycle ${args.join(' ')} exited:\n${log}`));
    });
  });
  const line = await started;
  const field = (name: string) => new RegExp(`${name}=(\\S+)`).exec(line)?.[1] ?? '';
  return {
    child,
    rmUrl: field('rm') || field('url'),
    jrUrl: field('jr') || field('url'),
    log: () => log,
    alive: () => !exited,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** `spincycle server` on free loopback ports, its database in `dataDir`. */
export function startServer(specs: string, dataDir: string, extra: string[] = []): Promise<EngineProcess> {
  const args = ['server', '--specs', specs, '--data', dataDir, '--rm-addr', '127.0.0.1:0', '--jr-addr', '127.0.0.1:0'];
  return startProcess([...args, ...extra]);
}

/** A `spincycle jr` and a `spincycle rm` talking HTTP to each other (the original's shape), with extra flags each. */
export async function startPair(
  specs: string,
  dataDir: string,
  extra: { rm?: string[]; jr?: string[] } = {},
): Promise<{ rm: EngineProcess; jr: EngineProcess }> {
  const rmPort = await freePort();
  const jr = await startProcess([
    'jr',
    '--rm-url',
    `http://127.0.0.1:${rmPort}`,
    '--addr',
    '127.0.0.1:0',
    ...(extra.jr ?? []),
  ]);
  const rmArgs = ['rm', '--specs', specs, '--data', dataDir, '--jr-url', jr.jrUrl, '--addr', `127.0.0.1:${rmPort}`];
  try {
    return { rm: await startProcess([...rmArgs, ...(extra.rm ?? [])]), jr };
  } catch (err) {
    await jr.stop();
    throw err;
  }
}

/** Runs `spincycle <args>` to its end. */
export function runSpincycle(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Polls `check` until it holds (15 s at most; throws naming `what`). */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface Totals {
  cases: number;
  crashes: number;
  hangs: number;
  serverErrors: number;
  dataLost: number;
}

/**
 * What the hostile calls of one suite did. `call` sends one and counts it (a case), a hang
 * (no answer in time) and a 5xx; `crashed` counts processes that died; `lost` counts data a
 * case checked for and did not find. The suite asserts that all but the cases are zero.
 */
export class Tally {
  private readonly totals: Totals = { cases: 0, crashes: 0, hangs: 0, serverErrors: 0, dataLost: 0 };

  constructor(readonly suite: string) {}

  async call(baseUrl: string, call: Call): Promise<Answer> {
    this.totals.cases++;
    try {
      const answer = await send(baseUrl, call);
      if (answer.status >= 500) this.totals.serverErrors++;
      return answer;
    } catch (err) {
      if (err instanceof HangError) this.totals.hangs++;
      throw err;
    }
  }

  /** A case that is not one HTTP call (a process run, a contract call). */
  count(n = 1): void {
    this.totals.cases += n;
  }

  /**
   * One contract call (a case), as a page makes it: an 'internal' error is its 5xx (a handler
   * failed instead of refusing the input clearly), no answer within `ms` a hang.
   */
  async contract<T extends Result<unknown>>(answer: Promise<T>, ms = 30_000): Promise<T> {
    this.totals.cases++;
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HangError(`a contract call: no answer in ${ms} ms`)), ms);
    });
    try {
      const result = await Promise.race([answer, hang]);
      if (!result.ok && result.error.code === 'internal') this.totals.serverErrors++;
      return result;
    } catch (err) {
      if (err instanceof HangError) this.totals.hangs++;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Counts every process in `procs` that has died. */
  crashed(...procs: Array<{ alive(): boolean }>): void {
    this.totals.crashes += procs.filter((p) => !p.alive()).length;
  }

  lost(n = 1): void {
    this.totals.dataLost += n;
  }

  get result(): Totals {
    return { ...this.totals };
  }

  /** One line for the test output (and docs/reliability.md). */
  line(): string {
    const t = this.totals;
    return `hostile ${this.suite}: ${t.cases} cases, ${t.crashes} crashes, ${t.hangs} hangs, ${t.serverErrors} 5xx, ${t.dataLost} data lost`;
  }
}
