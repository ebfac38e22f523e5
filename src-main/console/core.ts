// Console main's runtime-neutral core, shared by the Electron shell and the web bridge:
// the contract handlers, the event hub, and the producers feeding it. Both hosts build
// one of these and hand it to their transport.

import { EventHub } from './events';
import { createHandlers, type ContractHandlers } from './handlers';
import { StatusSource } from './status';

export interface ConsoleCoreOptions {
  readonly appVersion: string;
  readonly runtime: string;
  readonly heartbeatMs?: number;
}

export interface ConsoleCore {
  readonly handlers: ContractHandlers;
  readonly events: EventHub;
  readonly status: StatusSource;
  /** Stops timers (and, later, the embedded engine). */
  stop(): Promise<void>;
}

export function startConsoleCore(options: ConsoleCoreOptions): ConsoleCore {
  const events = new EventHub();
  const status = new StatusSource(events, { heartbeatMs: options.heartbeatMs });
  const handlers = createHandlers({ appVersion: options.appVersion, runtime: options.runtime });

  // HOOK (embedded engine): start the engine child process here and report its
  // lifecycle through status.setEmbeddedEngine('starting' | 'running' | ...).

  return {
    handlers,
    events,
    status,
    stop() {
      status.stop();
      return Promise.resolve();
    },
  };
}
