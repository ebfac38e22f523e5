// Console main's runtime-neutral core, shared by the Electron shell and the web bridge:
// the console service (cache, contexts, sync, notifications), the contract handlers, the event
// hub, and the embedded engine. Both hosts build one of these and hand it to their transport.

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

export function startConsoleCore(options: ConsoleCoreOptions): ConsoleCore {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  mkdirSync(options.dataDir, { recursive: true });
  const events = new EventHub();
  const status = new StatusSource(events, { heartbeatMs: options.heartbeatMs });
  const cfg = options.embeddedEngine;
  const service = new ConsoleService({
    cacheFile: path.join(options.dataDir, CACHE_FILE),
    emit: (event, payload) => events.emit(event, payload),
    user: os.userInfo().username,
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    ...(cfg ? { embeddedContext: EMBEDDED_CONTEXT } : {}),
  });
  if (service.cacheRecovery) {
    log(
      `console: the cache could not be read (${service.cacheRecovery.reason}); it was moved to ` +
        `${service.cacheRecovery.movedTo} and a new one was started`,
    );
  }
  const handlers = createHandlers({ appVersion: options.appVersion, runtime: options.runtime, service });

  let engine: EmbeddedEngine | null = null;
  if (cfg) {
    if (!existsSync(cfg.cliPath)) {
      const why = `cannot start: ${cfg.cliPath} is missing`;
      status.setEmbeddedEngine('failed', why);
      log(`console: embedded engine ${why}`);
    } else {
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
          if (state === 'starting' && embedded.rmUrl) service.connectEmbedded(embedded.rmUrl, null);
          if (state === 'running' && embedded.rmUrl) service.connectEmbedded(embedded.rmUrl, apiSecret.secret);
        },
        onLog: (line) => log(`engine: ${line}`),
      });
      engine = embedded;
      // A failure to start is reported through onState (status line and log).
      embedded.start().catch(() => undefined);
    }
  }
  service.start();

  return {
    handlers,
    events,
    status,
    service,
    engine,
    async stop() {
      status.stop();
      await service.stop();
      await engine?.stop();
    },
  };
}
