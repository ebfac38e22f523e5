// Desktop notifications (Electron adapter): the NotificationPorts of notification-routing.ts
// backed by Electron's Notification. Decisions (text, urgency, click target) live there.

import { Notification } from 'electron';
import type { NavigateEvent } from '../shared/ipc';
import type { DesktopNotice, NotificationPorts, ShownNotice } from './notification-routing';

export function electronNotificationPorts(options: {
  iconPath: string;
  open: (target: NavigateEvent) => void;
}): NotificationPorts {
  return {
    supported: () => Notification.isSupported(),
    show(notice: DesktopNotice, handlers): ShownNotice {
      const n = new Notification({
        title: notice.title,
        body: notice.body,
        urgency: notice.urgency,
        icon: options.iconPath,
      });
      n.on('click', handlers.onClick);
      n.on('close', (event) => handlers.onClose(event.reason));
      n.show();
      return { close: () => n.close() };
    },
    open: options.open,
  };
}

/** A notification that opens nothing (the tray hint); false where the platform has none. */
export function showPlainNotification(title: string, body: string, iconPath: string): boolean {
  if (!Notification.isSupported()) return false;
  new Notification({ title, body, icon: iconPath }).show();
  return true;
}
