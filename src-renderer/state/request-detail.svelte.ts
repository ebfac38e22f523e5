// One open request: its record, chain, job statuses and running jobs' starts (openRequest, so
// console main syncs it every second), per-try log summaries (jobLogSummaries: no texts), one
// row per job joining them, and live refreshes on `requestUpdated` and `requestsChanged`. Log
// texts are not kept here (the Logs tab reads the one stream it shows, in slices).

import type { ConsoleApi } from '../../src-main/shared/ipc';
import type {
  ChainView,
  JobStatusRecord,
  RequestDetail,
  RequestPart,
  RequestRecord,
} from '../../src-main/shared/console-model';
import { JobStatusByRuntime } from '../../src-main/shared/proto';
import { call, errorText } from '../lib/call';
import { jobRows, type JobRow, type TrySummary } from '../lib/job-rows';

export { jobRows, triesByJob, type JobRow, type TrySummary } from '../lib/job-rows';

const LOG_PAGE = 1000;

export class RequestDetailState {
  request = $state.raw<RequestRecord | null>(null);
  chain = $state.raw<ChainView | null>(null);
  statuses = $state.raw<JobStatusRecord[]>([]);
  tries = $state.raw<TrySummary[]>([]);
  /** When each RUNNING job started, by job id (RequestDetail.runningSince). */
  runningSince = $state.raw<Record<string, number>>({});
  /** One row per job: chain, status, tries and start joined. */
  readonly rows: JobRow[] = $derived(jobRows(this.chain, this.statuses, this.tries, this.runningSince));
  /** The try summaries have been read at least once. */
  triesLoaded = $state(false);
  error = $state<string | null>(null);
  /** Bumped whenever new tries landed (the Logs tab re-reads its job). */
  logsVersion = $state(0);

  readonly context: string;
  readonly id: string;
  private readonly api: ConsoleApi;
  private unsubscribers: Array<() => void> = [];
  // Plain Set: bookkeeping, not rendered.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private pending = new Set<RequestPart>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(api: ConsoleApi, context: string, id: string) {
    this.api = api;
    this.context = context;
    this.id = id;
  }

  get readOnly(): boolean {
    return this.request?.origin === 'imported';
  }

  async open(): Promise<void> {
    this.unsubscribers.push(
      this.api.on('requestUpdated', (ev) => {
        if (ev.context === this.context && ev.requestId === this.id) this.schedule(ev.parts);
      }),
      this.api.on('requestsChanged', (ev) => {
        if (ev.context !== this.context) return;
        const rec = ev.requests.find((r) => r.id === this.id);
        if (rec) {
          this.request = rec;
          this.schedule(['statuses']);
        }
      }),
    );
    try {
      const opened = await this.api.call('openRequest', { context: this.context, id: this.id });
      // Offline or an imported request of a context this console lacks: read the cache.
      const detail = opened.ok
        ? opened.value
        : await call(this.api.call('getRequest', { context: this.context, id: this.id }));
      if (this.closed) return;
      this.take(detail, true);
      await this.loadTries();
    } catch (e) {
      this.error = errorText(e);
    }
  }

  close(): void {
    this.closed = true;
    for (const u of this.unsubscribers) u();
    if (this.timer) clearTimeout(this.timer);
    void this.api.call('closeRequest', { context: this.context, id: this.id });
  }

  /** Coalesces refreshes: at most one round of reads per 200 ms. */
  private schedule(parts: readonly RequestPart[]): void {
    for (const p of parts) this.pending.add(p);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, 200);
  }

  async refresh(): Promise<void> {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local copy, not rendered
    const parts = new Set(this.pending);
    this.pending.clear();
    if (this.closed) return;
    try {
      if (parts.has('request') || parts.has('chain') || parts.has('statuses') || parts.size === 0) {
        const detail = await call(this.api.call('getRequest', { context: this.context, id: this.id }));
        if (this.closed) return;
        this.take(detail, parts.has('chain'));
      }
      if (parts.has('logs') || parts.size === 0) await this.loadTries();
    } catch (e) {
      this.error = errorText(e);
    }
  }

  private take(detail: RequestDetail, chain: boolean): void {
    this.request = detail.request;
    if (detail.chain && (chain || !this.chain)) this.chain = detail.chain;
    this.statuses = [...detail.statuses].sort(JobStatusByRuntime);
    this.runningSince = detail.runningSince;
  }

  private async loadTries(): Promise<void> {
    const out: TrySummary[] = [];
    for (let offset = 0; ; offset += LOG_PAGE) {
      const page = await call(
        this.api.call('jobLogSummaries', { context: this.context, id: this.id, offset, limit: LOG_PAGE }),
      );
      out.push(...page.items);
      if (page.items.length < LOG_PAGE || offset + LOG_PAGE >= page.total) break;
    }
    if (this.closed) return;
    this.tries = out;
    this.triesLoaded = true;
    this.logsVersion++;
  }
}
