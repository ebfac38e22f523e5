// From the core's `notification` events to desktop notifications: what each one says, how
// urgent it is, and which request a click opens. NotificationCenter keeps the shown ones
// referenced (a collected notification loses its click handler) and routes clicks to the
// "open request" intent, also after a toast timed out into Windows' Action Center. The
// platform notification itself is a port (notifications.ts).

import type { RequestNotification } from '../shared/console-model';
import type { NavigateEvent } from '../shared/ipc';
import { STATE_FAIL, STATE_TIMEOUT } from '../shared/proto';

export interface DesktopNotice {
  title: string;
  body: string;
  urgency: 'normal' | 'critical';
  /** The request a click opens. */
  target: NavigateEvent;
}

export function noticeFor(n: RequestNotification): DesktopNotice {
  const failed = n.to === STATE_FAIL || n.to === STATE_TIMEOUT;
  return {
    title: n.title,
    body: n.body,
    urgency: failed ? 'critical' : 'normal',
    target: { context: n.context, requestId: n.requestId },
  };
}

/** A shown notification, as far as the center cares. */
export interface ShownNotice {
  close(): void;
}

export interface NotificationPorts {
  /** Whether the platform can show notifications at all. */
  supported(): boolean;
  /** Shows one; `onClick` and `onClose` (with Electron's reason, if any) are called by the platform. */
  show(notice: DesktopNotice, handlers: { onClick(): void; onClose(reason?: string): void }): ShownNotice;
  /** The "open request" intent (RequestOpener.open). */
  open(target: NavigateEvent): void;
}

/** How many notifications are kept alive at once (older ones are closed). */
export const MAX_LIVE_NOTICES = 10;

/**
 * Whether a notification can still be clicked after `close`: on Windows `close` also fires when
 * the toast times out, while it stays in the Action Center (Electron says 'timedOut', or on
 * older builds nothing). Only the operator's dismissal ends it.
 */
export function clickableAfterClose(reason: string | undefined, platform: NodeJS.Platform): boolean {
  return reason === 'timedOut' || (platform === 'win32' && reason === undefined);
}

export class NotificationCenter {
  readonly #live = new Set<ShownNotice>();

  constructor(
    private readonly ports: NotificationPorts,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  /** Shows a core notification; false when the platform has no notifications. */
  notify(n: RequestNotification): boolean {
    if (!this.ports.supported()) return false;
    const notice = noticeFor(n);
    const shown = this.ports.show(notice, {
      onClick: () => {
        this.#live.delete(shown);
        this.ports.open(notice.target);
      },
      onClose: (reason) => {
        if (!clickableAfterClose(reason, this.platform)) this.#live.delete(shown);
      },
    });
    this.#live.add(shown);
    while (this.#live.size > MAX_LIVE_NOTICES) {
      const oldest = this.#live.values().next().value as ShownNotice;
      this.#live.delete(oldest);
      oldest.close();
    }
    return true;
  }

  get liveCount(): number {
    return this.#live.size;
  }
}
