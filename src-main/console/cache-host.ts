// The console core's side of its cache worker (cache-worker.ts): starts the worker thread,
// sends it calls and hands back their results as promises (`host.cache.requests.get(...)`),
// the same under Electron and plain Node. If the worker dies, the calls in flight fail with
// the reason, it is reported, and the next call starts a new worker on the same file.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  PACKED_CALLS,
  STORE_NAMES,
  type CacheWorkerConfig,
  type ErrorData,
  type FromWorker,
  type RemoteCache,
  type StoreName,
  type ToWorker,
} from './cache-api';

export interface CacheHostOptions extends CacheWorkerConfig {
  /** Where trouble the caller cannot see is reported: a cache rebuilt, the worker lost, indexing failing. */
  onProblem?: (message: string) => void;
}

/** A failure the worker reported, with the name and SQLite code it had there. */
export class CacheCallError extends Error {
  readonly code: string | undefined;
  constructor(data: ErrorData) {
    super(data.message);
    this.name = data.name;
    this.code = data.code;
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The worker thread. A build has the compiled entry beside this module; from sources (tests,
 * web mode, benches) the worker registers tsx's loader first, then imports the TypeScript entry.
 */
function startWorker(config: CacheWorkerConfig): Worker {
  const built = path.join(here, 'cache-worker.js');
  if (existsSync(built)) return new Worker(built, { workerData: config });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = pathToFileURL(path.join(here, 'cache-worker.ts')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: config });
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class CacheHost {
  readonly cache: RemoteCache;
  /** The worker once its cache is open; null until one is started, or after it was lost. */
  private worker: Promise<Worker> | null = null;
  private live: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private recoveredAs: { movedTo: string; reason: string } | undefined;

  private constructor(private readonly options: CacheHostOptions) {
    this.cache = remoteCache((store, method, args) => this.call(store, method, args));
  }

  /** Set when opening the cache found the file unusable and moved it aside. */
  get recovered(): { movedTo: string; reason: string } | undefined {
    return this.recoveredAs;
  }

  /** Starts the worker and waits for the cache to be open (migrated, or rebuilt if unreadable). */
  static async open(options: CacheHostOptions): Promise<CacheHost> {
    const host = new CacheHost(options);
    await host.ensureWorker();
    return host;
  }

  private ensureWorker(): Promise<Worker> {
    if (this.closed) return Promise.reject(new Error('the cache is closed'));
    this.worker ??= this.spawn();
    return this.worker;
  }

  private spawn(): Promise<Worker> {
    const { onProblem: _, ...config } = this.options;
    const worker = startWorker(config);
    this.live = worker;
    let ready = false;
    const opened = new Promise<Worker>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (m.kind === 'opened') {
          ready = true;
          this.recoveredAs = m.recovered;
          if (m.recovered) {
            this.report(
              `the cache could not be read (${m.recovered.reason}); it was moved to ${m.recovered.movedTo} ` +
                'and a new one was started',
            );
          }
          resolve(worker);
        } else this.receive(m);
      });
      const lost = (why: string) => {
        reject(new Error(`the cache could not be opened: ${why}`));
        this.lose(worker, why, ready);
      };
      worker.once('error', (err) => lost(err.message));
      worker.once('exit', (code) => lost(`its worker exited (code ${code})`));
    });
    // Reported through the calls that wait for it; this one only keeps it from going unhandled.
    opened.catch(() => undefined);
    return opened;
  }

  private receive(m: FromWorker): void {
    if (m.kind === 'problem') this.report(m.message);
    if (m.kind !== 'reply') return;
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(new CacheCallError(m.error));
  }

  /** The worker is gone: what waited on it fails, and the next call starts another. */
  private lose(worker: Worker, why: string, hadOpened: boolean): void {
    if (this.live !== worker) return;
    this.live = null;
    this.worker = null;
    const failed = [...this.pending.values()];
    this.pending.clear();
    const stopped = this.closed ? 'the cache is closed' : `the cache worker stopped: ${why}`;
    for (const p of failed) p.reject(new Error(stopped));
    if (hadOpened && !this.closed) this.report(stopped);
  }

  private report(message: string): void {
    this.options.onProblem?.(`console: ${message}`);
  }

  private async call(store: StoreName, method: string, args: unknown[]): Promise<unknown> {
    const worker = await this.ensureWorker();
    if (worker !== this.live) throw new Error('the cache worker stopped');
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      const packing = PACKED_CALLS[`${store}.${method}`];
      const message: ToWorker = { kind: 'call', id, store, method, args: packing ? packing.pack(args) : args };
      try {
        worker.postMessage(message);
      } catch (err) {
        this.pending.delete(id);
        reject(err as Error);
      }
    });
  }

  /** Lets the calls already sent finish, closes the database and stops the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = await this.worker?.catch(() => null);
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage({ kind: 'close' } satisfies ToWorker);
    });
  }
}

/** Promise-returning stores over `call`; a method is whatever name is called. */
function remoteCache(call: (store: StoreName, method: string, args: unknown[]) => Promise<unknown>): RemoteCache {
  const stores = STORE_NAMES.map((store) => {
    const methods = new Proxy(
      {},
      {
        // Not `then`: a store handed to `await` must not look like a promise.
        get: (_target, method) =>
          typeof method === 'string' && method !== 'then'
            ? (...args: unknown[]) => call(store, method, args)
            : undefined,
      },
    );
    return [store, methods];
  });
  return Object.freeze(Object.fromEntries(stores)) as RemoteCache;
}
