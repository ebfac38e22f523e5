// In-process hub for contract events (main -> renderer). Producers emit typed frames;
// transports subscribe and forward them. The last frame of each stateful event is retained so a
// renderer that connects later starts from the current state instead of waiting.

import type { AnyEventFrame } from '../shared/bridge';
import { TRANSIENT_EVENTS, type ContractEvents, type EventName, type Unsubscribe } from '../shared/ipc';

export type FrameListener = (frame: AnyEventFrame) => void;

export class EventHub {
  readonly #listeners = new Set<FrameListener>();
  readonly #retained = new Map<EventName, AnyEventFrame>();

  emit<E extends EventName>(event: E, payload: ContractEvents[E]): void {
    const frame = { event, payload } as AnyEventFrame;
    if (!TRANSIENT_EVENTS.has(event)) this.#retained.set(event, frame);
    for (const listener of [...this.#listeners]) {
      try {
        listener(frame);
      } catch {
        // One broken subscriber (e.g. a socket closing mid-send) must not starve the others.
      }
    }
  }

  /** Subscribes; with `replay`, the retained frames are delivered first, synchronously. */
  subscribe(listener: FrameListener, options: { replay?: boolean } = {}): Unsubscribe {
    if (options.replay) {
      for (const frame of this.#retained.values()) listener(frame);
    }
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** The last frame of each event emitted so far. */
  retained(): AnyEventFrame[] {
    return [...this.#retained.values()];
  }
}
