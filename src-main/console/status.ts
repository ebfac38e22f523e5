// Produces the `status` event: the embedded engine's lifecycle state (and why it failed),
// emitted on every change and as a periodic heartbeat so the renderer can tell main is alive.

import type { EmbeddedEngineState, StatusEvent } from '../shared/ipc';
import type { EventHub } from './events';

export interface StatusSourceOptions {
  /** Heartbeat period; 0 disables the timer (tests). Default 10 s. */
  readonly heartbeatMs?: number;
  readonly now?: () => Date;
}

export class StatusSource {
  readonly #hub: EventHub;
  readonly #now: () => Date;
  #engine: EmbeddedEngineState = 'not-started';
  #engineDetail: string | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(hub: EventHub, options: StatusSourceOptions = {}) {
    this.#hub = hub;
    this.#now = options.now ?? (() => new Date());
    const heartbeatMs = options.heartbeatMs ?? 10_000;
    this.publish();
    if (heartbeatMs > 0) {
      this.#timer = setInterval(() => this.publish(), heartbeatMs);
      this.#timer.unref?.();
    }
  }

  current(): StatusEvent {
    return { embeddedEngine: this.#engine, engineDetail: this.#engineDetail, time: this.#now().toISOString() };
  }

  /** Hook for the embedded engine supervisor: report a lifecycle change (`why` for `failed`). */
  setEmbeddedEngine(state: EmbeddedEngineState, why: string | null = null): void {
    const detail = state === 'failed' ? why : null;
    if (state === this.#engine && detail === this.#engineDetail) return;
    this.#engine = state;
    this.#engineDetail = detail;
    this.publish();
  }

  publish(): void {
    this.#hub.emit('status', this.current());
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
