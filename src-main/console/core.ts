// Console main's runtime-neutral core, shared by the Electron shell and the web bridge:
// the console service (cache, contexts, sync, notifications), the contract handlers, the event
// hub, and the embedded engine. Both hosts build one of these and hand it to their transport.
// The cache runs on a worker thread the core owns (cache-host.ts), the same in both hosts.

import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CACHE_FILE } from './data-dir';
import { EmbeddedEngine, type EngineLauncher } from './embedded-engine';
import { createEngineSecret } from './engine-secret';
import type { SecretStore } from './credentials';
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
  /** Where contexts' secret header values are kept (the desktop's keychain, an owner-only file). */
  readonly secrets?: SecretStore;
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
  const cfg = options.embeddedEngine;
  const service = await ConsoleService.open({
    cacheFile: path.join(options.dataDir, CACHE_FILE),
    emit: (event, payload) => events.emit(event, payload),
    user: os.userInfo().username,
    ...(options.secrets ? { secrets: options.secrets } : {}),
    log,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    ...(cfg ? { embeddedContext: EMBEDDED_CONTEXT } : {}),
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
    if (cfg) engine = startEmbedded(cfg);
    await service.start();
  } catch (err) {
    await stop();
    throw err;
  }

  /** Points the embedded context at the engine (and syncs it, once `secret` is given). */
  async function connect(url: string, secret: string | null): Promise<void> {
    try {
      await service.connectEmbedded(url, secret);
    } catch (err) {
      log(`console: cannot point ${EMBEDDED_CONTEXT} at the embedded engine: ${(err as Error).message}`);
    }
  }

  /** The embedded engine; null if it cannot be started. */
  function startEmbedded(cfg: EmbeddedEngineConfig): EmbeddedEngine | null {
    if (!existsSync(cfg.cliPath)) {
      const why = `cannot start: ${cfg.cliPath} is missing`;
      status.setEmbeddedEngine('failed', why);
      log(`console: embedded engine ${why}`);
      return null;
    }
    // The `local` context is reached only at this run's engine, with this run's secret: it
    // is shown once the engine has its address, and synced once it answers there.
    const apiSecret = createEngineSecret(options.dataDir);
    const embedded = new EmbeddedEngine({
      ...cfg,
      dataDir: path.join(options.dataDir, 'engine'),
      apiSecret,
      onState: (state, detail) => {
        status.setEmbeddedEngine(state, detail ?? null);
        if (detail && state === 'failed') log(`console: embedded engine ${detail}`);
        if (state === 'starting' && embedded.rmUrl) void connect(embedded.rmUrl, null);
        if (state === 'running' && embedded.rmUrl) void connect(embedded.rmUrl, apiSecret.secret);
      },
      onLog: (line) => log(`engine: ${line}`),
    });
    // A failure to start is reported through onState (status line and log).
    embedded.start().catch(() => undefined);
    return embedded;
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
