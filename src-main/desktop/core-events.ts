// Which of the console core's events the desktop shell itself acts on: `tray` (the tray icon
// and menu) and `notification` (desktop notifications). The current tray model is replayed at
// once; notifications are never replayed.

import type { EventHub } from '../console/events';
import type { RequestNotification, TrayModel } from '../shared/console-model';
import type { Unsubscribe } from '../shared/ipc';

export interface ShellSinks {
  tray(model: TrayModel): void;
  notification(n: RequestNotification): void;
}

export function routeCoreEvents(events: EventHub, sinks: ShellSinks): Unsubscribe {
  return events.subscribe(
    (frame) => {
      if (frame.event === 'tray') sinks.tray(frame.payload);
      else if (frame.event === 'notification') sinks.notification(frame.payload);
    },
    { replay: true },
  );
}
