// App-wide console state: the contract api, contexts and their online status, the current
// context (remembered; it follows a request of another context opened on screen), settings
// (applied theme), engine status, and browser notifications for `notification` events (web mode;
// Electron shows its own), with the browser's permission as it really is.

import type { ConsoleApi, StatusEvent } from '../../src-main/shared/ipc';
import type { ConsoleSettings, Context, ContextStatus, RequestNotification } from '../../src-main/shared/console-model';
import { call, errorText } from '../lib/call';
import { requestRoute, routeHash } from '../lib/routes';
import { router } from './router.svelte';
import { toasts } from './toasts.svelte';

const CURRENT_KEY = 'spincycle.context';

export class ConsoleState {
  readonly api: ConsoleApi;
  readonly kind: 'electron' | 'web';
  contexts = $state<Context[]>([]);
  statuses = $state<Record<string, ContextStatus>>({});
  /** Status events received so far, and the count at each context's latest one. */
  private statusEventCount = 0;
  private readonly statusEvents: Record<string, number> = {}; // not reactive: bookkeeping only
  current = $state<string>(localStorage.getItem(CURRENT_KEY) ?? 'local');
  /** The context of what is on screen when it is not one of this console's (an imported request's). */
  foreign = $state<string | null>(null);
  settings = $state<ConsoleSettings | null>(null);
  engine = $state<StatusEvent | null>(null);
  ready = $state(false);
  /** The browser's answer about notifications ('unsupported' in the desktop app: it notifies itself). */
  notificationPermission = $state<NotificationPermission | 'unsupported'>('unsupported');
  connectionError = $state<string | null>(null);
  // Plain Set: which notifications were shown (bookkeeping, not rendered).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private notified = new Set<string>();

  constructor(api: ConsoleApi, kind: 'electron' | 'web') {
    this.api = api;
    this.kind = kind;
    if (kind === 'web' && 'Notification' in window) {
      this.notificationPermission = Notification.permission;
      // Changed in the browser's site settings: follow it.
      void navigator.permissions
        ?.query({ name: 'notifications' })
        .then((status) => (status.onchange = () => (this.notificationPermission = Notification.permission)))
        .catch(() => {});
    }
    api.on('status', (s) => (this.engine = s));
    api.on('contextStatus', (s) => {
      this.statusEvents[s.context] = ++this.statusEventCount;
      this.statuses = { ...this.statuses, [s.context]: s };
    });
    api.on('notification', (n) => this.notify(n));
  }

  /** The context whose things are on screen: the top bar names it. */
  get shown(): string {
    return this.foreign ?? this.current;
  }

  /** The shown context, or null when it is not one of this console's. */
  get context(): Context | null {
    return this.contexts.find((c) => c.name === this.shown) ?? null;
  }

  get currentStatus(): ContextStatus | null {
    return this.statuses[this.shown] ?? null;
  }

  /**
   * What is on screen belongs to `name` (a request page), or to the current context (null): a
   * context of this console becomes the current one, so the switcher, its colour, the offline
   * banner and Start all speak of it; any other name is only shown.
   */
  follow(name: string | null): void {
    if (name === null || !this.contexts.some((c) => c.name === name)) {
      this.foreign = name;
      return;
    }
    this.foreign = null;
    if (name !== this.current) this.switchTo(name);
  }

  /**
   * Takes a contextStatuses() answer, asked for when statusEventCount was `askedAt`: a status
   * event that arrived since is newer than the answer and is kept (main only sends status
   * events on changes, so overwriting one would keep a stale status until the next change).
   */
  private applyStatuses(statuses: ContextStatus[], askedAt: number): void {
    const next: Record<string, ContextStatus> = {};
    for (const s of statuses) {
      const newer = (this.statusEvents[s.context] ?? 0) > askedAt ? this.statuses[s.context] : undefined;
      next[s.context] = newer ?? s;
    }
    this.statuses = next;
  }

  async init(): Promise<void> {
    try {
      const askedAt = this.statusEventCount;
      const [contexts, statuses, settings] = await Promise.all([
        call(this.api.call('contexts')),
        call(this.api.call('contextStatuses')),
        call(this.api.call('settings')),
      ]);
      this.contexts = contexts;
      this.applyStatuses(statuses, askedAt);
      this.settings = settings;
      if (!contexts.some((c) => c.name === this.current) && contexts[0]) this.current = contexts[0].name;
      this.applyTheme();
      this.ready = true;
    } catch (e) {
      this.connectionError = errorText(e);
    }
  }

  async refreshContexts(): Promise<void> {
    this.contexts = await call(this.api.call('contexts'));
    const askedAt = this.statusEventCount;
    const statuses = await call(this.api.call('contextStatuses'));
    this.applyStatuses(statuses, askedAt);
    if (!this.contexts.some((c) => c.name === this.current) && this.contexts[0]) this.switchTo(this.contexts[0].name);
  }

  switchTo(name: string): void {
    this.current = name;
    this.foreign = null;
    localStorage.setItem(CURRENT_KEY, name);
  }

  async updateSettings(patch: Partial<ConsoleSettings>): Promise<void> {
    this.settings = await call(this.api.call('updateSettings', patch));
    this.applyTheme();
  }

  applyTheme(): void {
    const theme = this.settings?.theme ?? 'system';
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }

  /**
   * Asks the browser for permission to notify while notifications are on in the settings and
   * it has not been asked; call it from the click that starts watching a request (browsers only
   * ask during a user gesture).
   */
  async enableBrowserNotifications(): Promise<NotificationPermission | 'unsupported'> {
    if (this.settings?.notifications === false) return this.notificationPermission;
    return this.askNotificationPermission();
  }

  /** Asks the browser for permission to notify, if it has not been asked; call from a click. */
  async askNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
    if (this.notificationPermission === 'unsupported') return 'unsupported';
    this.notificationPermission =
      Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
    return this.notificationPermission;
  }

  private notify(n: RequestNotification): void {
    const key = `${n.context}/${n.requestId}/${n.from}>${n.to}`;
    if (this.notified.has(key)) return; // exactly one per change, even if an event is replayed
    this.notified.add(key);
    // A request on screen shows its change itself (its header; a stop, its dialog): no toast.
    const route = router.route;
    const onScreen = route.name === 'request' && route.context === n.context && route.id === n.requestId;
    if (!onScreen || document.hidden)
      toasts.show(`${n.title} — ${n.body}`, n.failedJobs.length ? 'error' : 'info', 8000);
    if (this.kind === 'web' && this.settings?.notifications && 'Notification' in window) {
      if (Notification.permission === 'granted') {
        const note = new Notification(n.title, { body: n.body, tag: key });
        note.onclick = () => {
          window.focus();
          location.hash = routeHash(requestRoute(n.context, n.requestId));
        };
      }
    }
  }
}
