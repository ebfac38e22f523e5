// Runs the embedded engine (`spincycle server`) as a child process on loopback, with its own
// data folder and the example specs: started with the console, restarted if it dies (with a
// growing pause), stopped on exit. The console reaches it over HTTP like any other context;
// it never imports engine code. How the process is started is pluggable (EngineLauncher): plain
// Node uses child_process.spawn (nodeLauncher); the desktop shell may pass its own launcher.

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { EmbeddedEngineState } from '../shared/ipc';

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

export class EmbeddedEngine {
  private child: EngineProcess | null = null;
  private stopping = false;
  private restarts = 0;
  private rmUrlValue: string | null = null;

  constructor(private readonly options: EmbeddedEngineOptions) {}

  /** The RM's URL once started. */
  get rmUrl(): string | null {
    return this.rmUrlValue;
  }

  /** Starts the engine and resolves once its RM answers. */
  async start(): Promise<string> {
    this.stopping = false;
    const rmPort = await freePort();
    const jrPort = await freePort();
    const url = `http://127.0.0.1:${rmPort}`;
    this.rmUrlValue = url;
    this.spawnChild(rmPort, jrPort);
    await this.waitUntilAnswering(url);
    this.options.onState?.('running', url);
    return url;
  }

  private spawnChild(rmPort: number, jrPort: number): void {
    const o = this.options;
    mkdirSync(o.dataDir, { recursive: true });
    const args = [
      'server',
      '--specs',
      o.specsDir,
      '--data',
      o.dataDir,
      '--rm-addr',
      `127.0.0.1:${rmPort}`,
      '--jr-addr',
      `127.0.0.1:${jrPort}`,
      ...(o.jobsDir ? ['--jobs', o.jobsDir] : []),
      ...(o.apiSecret ? ['--api-secret-file', o.apiSecret.file] : []),
    ];
    o.onState?.('starting');
    const launch = o.launcher ?? nodeLauncher(o.nodePath);
    const child = launch({ script: o.cliPath, args, cwd: path.dirname(o.cliPath) });
    this.child = child;
    let buffered = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line) o.onLog?.(line);
    });
    child.onExit((why) => {
      if (this.child === child) this.child = null;
      if (this.stopping) return;
      o.onState?.('failed', `embedded engine ${why}; restarting`);
      void this.restart(rmPort, jrPort);
    });
  }

  /** Restarts on the same ports (the console's context URL stays valid), pausing longer each time. */
  private async restart(rmPort: number, jrPort: number): Promise<void> {
    this.restarts++;
    await sleep(Math.min(500 * 2 ** Math.min(this.restarts - 1, 6), 30_000));
    if (this.stopping) return;
    this.spawnChild(rmPort, jrPort);
    try {
      await this.waitUntilAnswering(`http://127.0.0.1:${rmPort}`);
      this.restarts = 0;
      this.options.onState?.('running', `http://127.0.0.1:${rmPort}`);
    } catch (err) {
      this.options.onState?.('failed', (err as Error).message);
    }
  }

  private async waitUntilAnswering(url: string): Promise<void> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (!this.child) throw new Error('the embedded engine exited during start (see its log lines)');
      try {
        const res = await fetch(`${url}/api/v1/request-list`, {
          signal: AbortSignal.timeout(1000),
          headers: this.options.apiSecret ? { Authorization: `Bearer ${this.options.apiSecret.secret}` } : {},
        });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`the embedded engine did not answer at ${url} within ${this.options.startTimeoutMs ?? 20_000} ms`);
  }

  /** Stops the engine (SIGTERM, then SIGKILL after 5 s). */
  async stop(): Promise<void> {
    this.stopping = true;
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
