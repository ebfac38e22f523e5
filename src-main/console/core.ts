// Console main's runtime-neutral core, shared by the Electron shell and the web bridge:
// the console service (cache, contexts, sync, notifications), the contract handlers, the event
// hub, and the embedded engine. Both hosts build one of these and hand it to their transport.
// The cache runs on a worker thread the core owns (cache-host.ts), the same in both hosts.

import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CACHE_FILE } from './data-dir';
import { EmbeddedEngine, type EngineLauncher } from './embedded-engine';
import { EventHub } from './events';
import { createHandlers, type ContractHandlers } from './handlers';
import { ConsoleService } from './service';
import { StatusSource } from './status';

export { defaultDataDir } from './data-dir';

/** Name of the context that points at the embedded engine. */
export const EMBEDDED_CONTEXT = 'local';

export interface EmbeddedEngineConfig {
  /** The `spincycle` script the engine process runs (bin/spincycle.js, or out/main/spincycle.js). */
  cliPath: string;
  specsDir: string;
  jobsDir?: string;
  /** How the engine process is started (default: this Node binary via child_process.spawn). */
  launcher?: EngineLauncher;
}

export interface ConsoleCoreOptions {
  readonly appVersion: string;
  readonly runtime: string;
  readonly heartbeatMs?: number;
  /** Folder for the cache file and the embedded engine's data. */
  readonly dataDir: string;
  /** Start the embedded engine (default context `local`); null to run without one. */
  readonly embeddedEngine: EmbeddedEngineConfig | null;
  /** better-sqlite3 addon for this runtime (Electron's own build). */
  readonly nativeBinding?: string;
  /** Where engine and console problems are reported (stderr by default). */
  readonly log?: (line: string) => void;
}

export interface ConsoleCore {
  readonly handlers: ContractHandlers;
  readonly events: EventHub;
  readonly status: StatusSource;
  readonly service: ConsoleService;
  readonly engine: EmbeddedEngine | null;
  /** Stops syncing, the embedded engine and timers. */
  stop(): Promise<void>;
}

/** Starts the core: resolves once the cache is open (rebuilt if it was unreadable) and syncing has begun. */
export async function startConsoleCore(options: ConsoleCoreOptions): Promise<ConsoleCore> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  mkdirSync(options.dataDir, { recursive: true });
  const events = new EventHub();
  const service = await ConsoleService.open({
    cacheFile: path.join(options.dataDir, CACHE_FILE),
    emit: (event, payload) => events.emit(event, payload),
    user: os.userInfo().username,
    log,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  const status = new StatusSource(events, { heartbeatMs: options.heartbeatMs });
  const handlers = createHandlers({ appVersion: options.appVersion, runtime: options.runtime, service });
  let engine: EmbeddedEngine | null = null;
  const stop = async () => {
    status.stop();
    await service.stop();
    await engine?.stop();
  };
  try {
    if (options.embeddedEngine) engine = await startEmbedded(options.embeddedEngine);
    await service.start();
  } catch (err) {
    await stop();
    throw err;
  }

  /** Points the embedded context at the engine's URL, once it is known. */
  async function pointAt(url: string): Promise<void> {
    try {
      const ctx = (await service.contexts()).find((c) => c.name === EMBEDDED_CONTEXT);
      if (ctx && ctx.url !== url) await service.putContext({ ...ctx, url }, EMBEDDED_CONTEXT);
    } catch (err) {
      log(`console: cannot point ${EMBEDDED_CONTEXT} at the embedded engine: ${(err as Error).message}`);
    }
  }

  /** The embedded engine and its context (`local`); null if it cannot be started. */
  async function startEmbedded(cfg: EmbeddedEngineConfig): Promise<EmbeddedEngine | null> {
    if (!(await service.contexts()).some((c) => c.name === EMBEDDED_CONTEXT)) {
      // The URL is a placeholder until the engine has its port.
      await service.putContext({
        name: EMBEDDED_CONTEXT,
        url: 'http://127.0.0.1:8888',
        envLabel: 'embedded',
        envColor: '#2e7d32',
        embedded: true,
      });
    }
    if (!existsSync(cfg.cliPath)) {
      const why = `cannot start: ${cfg.cliPath} is missing`;
      status.setEmbeddedEngine('failed', why);
      log(`console: embedded engine ${why}`);
      return null;
    }
    const started = new EmbeddedEngine({
      ...cfg,
      dataDir: path.join(options.dataDir, 'engine'),
      onState: (state, detail) => {
        status.setEmbeddedEngine(state, detail ?? null);
        if (detail && state === 'failed') log(`console: embedded engine ${detail}`);
        // Restarts keep the ports; the first answer gives the context its URL.
        if (state === 'running' && detail) void pointAt(detail);
      },
      onLog: (line) => log(`engine: ${line}`),
    });
    // A failure to start is reported through onState (status line and log).
    started.start().catch(() => undefined);
    return started;
  }

  return {
    handlers,
    events,
    status,
    service,
    engine,
    stop,
  };
}
