// One job whose running try's output the Logs tab follows: asks console main to follow it
// (followJob) and keeps where it stands, refreshed by `liveOutput` events. Console main decides
// whether to ask the Request Manager (a running request) or only read what it cached (ended,
// imported, offline); letting go (stop) ends its following when no other view holds the job.

import type { ConsoleApi } from '../../src-main/shared/ipc';
import type { LiveOutputState } from '../../src-main/shared/console-model';
import { call, errorText } from '../lib/call';

export class LiveJob {
  state = $state.raw<LiveOutputState | null>(null);
  error = $state<string | null>(null);
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  // Plain Set: bookkeeping, not rendered.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly listeners = new Set<(s: LiveOutputState) => void>();

  constructor(
    private readonly api: ConsoleApi,
    readonly context: string,
    readonly requestId: string,
    readonly jobId: string,
    /** Where the job stood when it was last followed here (kept until a later state comes). */
    carried: LiveOutputState | null = null,
  ) {
    this.state = carried;
  }

  /** The job, as the contract names it. */
  private get ref(): { context: string; id: string; jobId: string } {
    return { context: this.context, id: this.requestId, jobId: this.jobId };
  }

  start(): void {
    this.unsubscribe = this.api.on('liveOutput', (s) => {
      if (s.context !== this.context || s.requestId !== this.requestId || s.jobId !== this.jobId) return;
      this.take(s);
    });
    call(this.api.call('followJob', { ...this.ref, following: true })).then(
      (s) => {
        // An event may have brought a later state while the call was on its way.
        if (s && !this.stopped && (this.state === null || s.seenMs >= this.state.seenMs)) this.take(s);
      },
      (e: unknown) => (this.error = errorText(e)),
    );
  }

  /** Called with every new state (the live loader reads on). */
  onChange(listener: (s: LiveOutputState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.listeners.clear();
    void this.api.call('followJob', { ...this.ref, following: false });
  }

  private take(s: LiveOutputState): void {
    if (this.stopped) return;
    this.state = s;
    for (const l of this.listeners) l(s);
  }
}
