// The "open a request" intent shared by the tray menu, notification clicks and deep links:
// show the window and send the renderer a `navigate` event. A request asked for before the
// page has loaded (a deep link at launch) is kept and delivered once it has.

import type { NavigateEvent } from '../shared/ipc';

export interface OpenerPorts {
  /** Shows, restores and focuses the console window (creating it if needed). */
  showWindow(): void;
  /** Sends the `navigate` event to the renderer. */
  navigate(target: NavigateEvent): void;
}

export class RequestOpener {
  #ready = false;
  #pending: NavigateEvent | null = null;

  constructor(private readonly ports: OpenerPorts) {}

  open(target: NavigateEvent): void {
    this.ports.showWindow();
    if (this.#ready) this.ports.navigate({ context: target.context, requestId: target.requestId });
    else this.#pending = { context: target.context, requestId: target.requestId };
  }

  /** The page has loaded (and subscribed to events): deliver what is pending. */
  rendererReady(): void {
    this.#ready = true;
    const pending = this.#pending;
    this.#pending = null;
    if (pending) this.ports.navigate(pending);
  }

  /** The page is gone or reloading: hold requests until it is ready again. */
  rendererGone(): void {
    this.#ready = false;
  }
}
