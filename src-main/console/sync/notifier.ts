// Turns state changes seen by the sync into operator notifications and keeps the tray model
// current. One notification per change of a watched request: the sync only reports changes
// it observes from an RM (never what was already cached), and each change is reported once
// because the cache's previous state is replaced in the same cache call that detects it.

import { failureLine, type RequestNotification, type TrayModel } from '../../shared/console-model';
import { stateName } from '../../shared/proto';
import type { RemoteCache } from '../cache-api';
import type { StateChange } from './context-sync';

export interface NotifierSink {
  notification(n: RequestNotification): void;
  tray(model: TrayModel): void;
}

export function describeChange(change: StateChange): RequestNotification {
  const { request: r, from, failedJobs, failure } = change;
  const to = r.state;
  const jobs = failure?.jobs.length
    ? ` — ${failureLine(failure)}`
    : failedJobs.length > 0
      ? ` — failed: ${failedJobs.slice(0, 5).join(', ')}${failedJobs.length > 5 ? ', …' : ''}`
      : '';
  return {
    context: change.context,
    requestId: r.id,
    type: r.type,
    from,
    to,
    failedJobs,
    title: `${r.type} ${stateName(to)}`,
    body: `${stateName(from)} → ${stateName(to)} · ${r.finishedJobs}/${r.totalJobs} jobs · ${change.context}/${r.id.slice(0, 8)}${jobs}`,
  };
}

export class Notifier {
  private lastTray = '';

  constructor(
    private readonly cache: RemoteCache,
    private readonly sink: NotifierSink,
    /** Whether notifications are on (a setting). */
    private readonly enabled: () => boolean = () => true,
  ) {}

  stateChanged(change: StateChange): void {
    if (change.request.watched && this.enabled()) this.sink.notification(describeChange(change));
    this.refreshTray().catch(() => undefined); // a closed cache: the next change refreshes it
  }

  /** Recomputes the tray model from the cache; announces it only when it differs. */
  async refreshTray(): Promise<TrayModel> {
    const model = await this.cache.requests.trayModel();
    const key = JSON.stringify(model);
    if (key !== this.lastTray) {
      this.lastTray = key;
      this.sink.tray(model);
    }
    return model;
  }
}
