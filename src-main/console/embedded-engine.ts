// Runs the embedded engine (`spincycle server`) as a child process on loopback, with its own
// data folder and the example specs: started with the console, restarted if it dies (with a
// growing pause), stopped on exit. The console reaches it over HTTP like any other context;
// it never imports engine code.

import { spawn, type ChildProcess } from 'node:child_process';
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
  /** Node binary running the CLI (default: this process's). */
  nodePath?: string;
  /** How long to wait for the RM to answer after a start (default 20 s). */
  startTimeoutMs?: number;
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
  private child: ChildProcess | null = null;
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
      o.cliPath,
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
    ];
    o.onState?.('starting');
    const child = spawn(o.nodePath ?? process.execPath, args, {
      cwd: path.dirname(o.cliPath),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    let buffered = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line) o.onLog?.(line);
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      if (this.stopping) return;
      const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
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
        const res = await fetch(`${url}/api/v1/request-list`, { signal: AbortSignal.timeout(1000) });
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
    if (!child || child.exitCode !== null) return;
    this.options.onState?.('stopping');
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
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
