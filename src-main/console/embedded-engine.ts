// Runs the embedded engine (`spincycle server`) as a child process on loopback, with its own
// data folder and the example specs: started with the console, restarted if it dies (with a
// growing pause) until the restart policy gives up on repeated identical failures, stopped on
// exit. Every failure is reported with the engine's last line on stderr. The console reaches it over HTTP like any other context;
// it never imports engine code. How the process is started is pluggable (EngineLauncher): plain
// Node uses child_process.spawn (nodeLauncher); the desktop shell may pass its own launcher.

import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { EmbeddedEngineState } from '../shared/ipc';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy';

export interface EmbeddedEngineOptions {
  /** The `spincycle` entry script (bin/spincycle.js). */
  cliPath: string;
  specsDir: string;
  dataDir: string;
  jobsDir?: string;
  /** Called on every lifecycle change. */
  onState?: (state: EmbeddedEngineState, detail?: string) => void;
  /** Engine log lines (its stderr). */
  onLog?: (line: string) => void;
  /** Node binary running the CLI with the default launcher (default: this process's). */
  nodePath?: string;
  /** Starts the engine process (default: nodeLauncher(nodePath)). */
  launcher?: EngineLauncher;
  /** How long to wait for the RM to answer after a start (default 20 s). */
  startTimeoutMs?: number;
  /** When to restart a failed engine and when to give up (see restart-policy.ts). */
  restart?: RestartPolicyOptions;
  /** The per-run API secret (engine-secret.ts): passed as its file, sent with the start probe. */
  apiSecret?: { file: string; secret: string };
}

/** A running engine process, whoever started it (child_process, Electron's utilityProcess...). */
export interface EngineProcess {
  readonly pid: number | undefined;
  /** The engine's stderr (its log lines), when piped. */
  readonly stderr: NodeJS.ReadableStream | null;
  /** SIGTERM asks the engine to stop; SIGKILL ends it. */
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** `listener` is called once, when the process has ended (or could not start), with why. */
  onExit(listener: (why: string) => void): void;
}

/** What to run: a script with its arguments, in a working directory. */
export interface EngineLaunch {
  readonly script: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

export type EngineLauncher = (launch: EngineLaunch) => EngineProcess;

/** The default launcher: `nodePath script args...` through child_process.spawn. */
export function nodeLauncher(nodePath: string = process.execPath): EngineLauncher {
  return ({ script, args, cwd }) => {
    const child = spawn(nodePath, [script, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const listeners: Array<(why: string) => void> = [];
    let ended: string | null = null;
    const end = (why: string): void => {
      if (ended !== null) return;
      ended = why;
      for (const l of listeners.splice(0)) l(why);
    };
    child.on('exit', (code, signal) => end(signal ? `killed by ${signal}` : `exited with code ${code}`));
    child.on('error', (e) => end(`could not be started (${nodePath}: ${e.message})`));
    return {
      get pid() {
        return child.pid;
      },
      stderr: child.stderr,
      kill: (signal) => {
        if (ended === null) child.kill(signal);
      },
      onExit: (listener) => {
        if (ended !== null) listener(ended);
        else listeners.push(listener);
      },
    };
  };
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for the engine to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The engine's last useful line on stderr (the CLI's usage hint says nothing about the cause). */
const isUsageHint = (line: string): boolean => /^Run spincycle .* --help for usage\.?$/.test(line.trim());

function formatPause(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

export class EmbeddedEngine {
  private child: EngineProcess | null = null;
  private stopping = false;
  private rmUrlValue: string | null = null;
  private ports: { rm: number; jr: number } | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly policy: RestartPolicy;
  /** The pending start(): settled on the first answer, a give-up, or stop(). */
  private starting: { resolve: (url: string) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly options: EmbeddedEngineOptions) {
    this.policy = new RestartPolicy(options.restart);
  }

  /** The RM's URL once started. */
  get rmUrl(): string | null {
    return this.rmUrlValue;
  }

  /**
   * Starts the engine and resolves once its RM answers, restarting it (same ports) if it fails
   * first; rejects when the supervisor gives up (the reason says why) or stop() is called.
   */
  async start(): Promise<string> {
    this.stopping = false;
    this.policy.reset();
    const rm = await freePort();
    const jr = await freePort();
    this.ports = { rm, jr };
    this.rmUrlValue = `http://127.0.0.1:${rm}`;
    return new Promise<string>((resolve, reject) => {
      this.starting = { resolve, reject };
      this.run();
    });
  }

  /** One run of the engine process; its end is reported to the restart policy. */
  private run(): void {
    const o = this.options;
    const ports = this.ports;
    const url = this.rmUrlValue;
    if (this.stopping || !ports || !url) return;
    const args = [
      'server',
      '--specs',
      o.specsDir,
      '--data',
      o.dataDir,
      '--rm-addr',
      `127.0.0.1:${ports.rm}`,
      '--jr-addr',
      `127.0.0.1:${ports.jr}`,
      ...(o.jobsDir ? ['--jobs', o.jobsDir] : []),
      ...(o.apiSecret ? ['--api-secret-file', o.apiSecret.file] : []),
    ];
    o.onState?.('starting');
    const startedAt = Date.now();
    const launch = o.launcher ?? nodeLauncher(o.nodePath);
    let child: EngineProcess;
    try {
      child = launch({ script: o.cliPath, args, cwd: path.dirname(o.cliPath) });
    } catch (e) {
      this.failed(`could not be started (${(e as Error).message})`, 0);
      return;
    }
    this.child = child;

    let lastLine = '';
    let buffered = '';
    const takeLine = (line: string): void => {
      if (!line) return;
      if (!isUsageHint(line)) lastLine = line;
      o.onLog?.(line);
    };
    const stderr = child.stderr;
    const stderrEnded = new Promise<void>((resolve) => {
      if (!stderr) return resolve();
      stderr.once('end', resolve);
      stderr.once('close', resolve);
      stderr.once('error', () => resolve());
    });
    stderr?.setEncoding('utf8');
    stderr?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) takeLine(line.trimEnd());
    });

    let endedBy: string | null = null;
    child.onExit((why) => {
      if (this.child === child) this.child = null;
      // The last lines may still be in the pipe when the exit is reported.
      void Promise.race([stderrEnded, sleep(500)]).then(() => {
        takeLine(buffered.trimEnd());
        buffered = '';
        if (this.stopping) return;
        const what = endedBy ?? why;
        this.failed(lastLine ? `${what}: ${lastLine}` : what, Date.now() - startedAt);
      });
    });

    void this.waitUntilAnswering(child, url).then((answer) => {
      if (answer === 'answering') {
        o.onState?.('running', url);
        this.starting?.resolve(url);
        this.starting = null;
      } else if (answer === 'timeout' && this.child === child && !this.stopping) {
        endedBy = `did not answer at ${url} within ${this.startTimeoutMs} ms`;
        child.kill('SIGKILL');
      }
    });
  }

  /** A run ended: start again after a pause, or give up and say why. */
  private failed(reason: string, ranMs: number): void {
    const decision = this.policy.failed(reason, ranMs);
    if (decision.action === 'give-up') {
      this.options.onState?.('failed', decision.reason);
      this.starting?.reject(new Error(`the embedded engine ${decision.reason}`));
      this.starting = null;
      return;
    }
    this.options.onState?.('failed', `${reason}; restarting in ${formatPause(decision.pauseMs)}`);
    this.restartTimer = setTimeout(() => this.run(), decision.pauseMs);
  }

  private get startTimeoutMs(): number {
    return this.options.startTimeoutMs ?? 20_000;
  }

  /** Polls the RM until it answers, the process ends, or the start timeout passes. */
  private async waitUntilAnswering(child: EngineProcess, url: string): Promise<'answering' | 'ended' | 'timeout'> {
    const deadline = Date.now() + this.startTimeoutMs;
    while (Date.now() < deadline) {
      if (this.child !== child || this.stopping) return 'ended';
      try {
        const res = await fetch(`${url}/api/v1/request-list`, {
          signal: AbortSignal.timeout(1000),
          headers: this.options.apiSecret ? { Authorization: `Bearer ${this.options.apiSecret.secret}` } : {},
        });
        if (res.ok && this.child === child) return 'answering';
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    return 'timeout';
  }

  /** Stops the engine (SIGTERM, then SIGKILL after 5 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.starting?.reject(new Error('the embedded engine was stopped before it answered'));
    this.starting = null;
    const child = this.child;
    if (!child) return;
    this.options.onState?.('stopping');
    const exited = new Promise<void>((r) => child.onExit(() => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.options.onState?.('stopped');
  }

  /** For tests: the engine's process id. */
  get pid(): number | undefined {
    return this.child?.pid;
  }
}
