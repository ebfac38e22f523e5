// The requests list of one context: filters, pages fetched on demand as rows scroll into view
// (listRequests with offset/limit), and live patches from `requestsChanged` that keep the
// operator's place: rows update in place, and new requests arriving above shift the list by
// exactly the rows they add (`inserted` lets the view keep its scroll position). Pages come from
// the context's server when it lists its requests (its whole history), else from the cache
// (`source`, with main's `note` saying why); a page from the other source than the list's
// re-reads the list, so its rows and total always come from one place.
//
// Rows live in a plain array, not in reactive state: the view is told which rows changed
// (`listen`) and updates only the row elements showing them, so a page arriving off screen
// costs no rendering at all. Pages are fetched for the rows in view first, then ahead in the
// scroll direction, at most MAX_IN_FLIGHT at a time, always for where the view is now; after a
// long jump they wait until the view has stayed put for two frames, so a burst of jumps (a
// scrollbar drag across 100,000 rows) does not queue pages nobody will see.

import type { ConsoleApi } from '../../src-main/shared/ipc';
import type { RequestFilter, RequestPage, RequestRecord } from '../../src-main/shared/console-model';
import type { State } from '../../src-main/shared/proto';
import { call, errorText } from '../lib/call';

export const PAGE_SIZE = 200;
/** Pages fetched beyond the rows in view, in the direction of travel. */
export const PREFETCH_PAGES = 2;
/** Page requests outstanding at once for pages not in view (those in view are always asked). */
export const MAX_IN_FLIGHT = 2;
/** A move of more rows than this at once is a jump: fetch only once the view stays put. */
export const JUMP_ROWS = 2 * PAGE_SIZE;
/** A page whose fetch failed is asked again after this long at the soonest. */
const RETRY_MS = 1000;

export interface ListFilter {
  states: State[];
  types: string[];
  users: string[];
  /** "1h" | "24h" | "7d" | "30d" | "" (any time) */
  range: string;
  text: string;
}

const RANGES: Record<string, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

export function emptyFilter(): ListFilter {
  return { states: [], types: [], users: [], range: '', text: '' };
}

/** Rows [from, to) changed (to = Infinity: everything, the list was re-read). */
export type RowsListener = (from: number, to: number) => void;

export class RequestsList {
  filter = $state<ListFilter>(emptyFilter());
  total = $state(0);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Bumped when rows were inserted above the visible ones: [how many, serial]. */
  inserted = $state<[number, number]>([0, 0]);
  /** Where the rows come from: the context's server (its whole history), or the cache. */
  source = $state<RequestPage['source']>('cache');
  /** Why the rows come from the cache although the context has a server (main's words). */
  note = $state<string | null>(null);
  /** Types and users seen (and the context's request types), for the filter menus. */
  seenTypes = $state<string[]>([]);
  seenUsers = $state<string[]>([]);

  private readonly api: ConsoleApi;
  private context: string;
  /** Row i, or null while its page has not arrived. Not reactive: see `listen`. */
  private rows: Array<RequestRecord | null> = [];
  // Plain collections: bookkeeping, not rendered.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private byId = new Map<string, number>();
  /** Pages fetched since the last reload (their rows are current). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private loaded = new Set<number>();
  /** Pages being fetched, in `inFlight` requests. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private fetching = new Set<number>();
  private inFlight = 0;
  /** Pages whose fetch failed, and when. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private failedAt = new Map<number, number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private listeners = new Set<RowsListener>();
  private want = { first: 0, last: -1, dir: 1 };
  /** After a jump: the frame that fetches if the view has not moved again by then. */
  private settleFrame = 0;
  private generation = 0;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribe: () => void;
  private unsubscribeStatus: () => void;

  constructor(api: ConsoleApi, context: string) {
    this.api = api;
    this.context = context;
    this.unsubscribe = api.on('requestsChanged', (ev) => {
      if (ev.context === this.context) this.patch(ev.requests);
    });
    // The context came back, or went away: the rows may now come from the other place.
    this.unsubscribeStatus = api.on('contextStatus', (ev) => {
      if (ev.context !== this.context) return;
      const answering = ev.online && ev.lastOkMs !== null;
      if ((answering && this.source === 'cache' && this.note !== null) || (!answering && this.source === 'server'))
        void this.reload();
    });
    this.learnTypes();
  }

  /** The context's request types join the type menu (a server's requests not seen yet can be asked for). */
  private learnTypes(): void {
    const context = this.context;
    void this.api.call('requestList', { context }).then((r) => {
      if (r.ok && context === this.context) this.learn(r.value.map((t) => ({ type: t.name, user: '' })));
    });
  }

  dispose(): void {
    this.unsubscribe();
    this.unsubscribeStatus();
    this.listeners.clear();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    cancelAnimationFrame(this.settleFrame);
  }

  setContext(context: string): void {
    if (context === this.context) return;
    this.context = context;
    this.learnTypes();
    void this.reload();
  }

  /** Calls `fn` whenever rows change; returns the unsubscribe. */
  listen(fn: RowsListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  contractFilter(): RequestFilter {
    const f = this.filter;
    const out: RequestFilter = { context: this.context };
    if (f.states.length) out.states = [...f.states];
    if (f.types.length) out.types = [...f.types];
    if (f.users.length) out.users = [...f.users];
    const range = RANGES[f.range];
    if (range) out.since = Date.now() - range;
    if (f.text.trim()) out.text = f.text.trim();
    return out;
  }

  /**
   * Re-reads the first page (and the total). `keepRows`: new requests arrived; the rows already
   * known stay on show, shifted down by the rows added, while the pages in view are re-read.
   * Returns the rows added (keepRows) or 0.
   */
  async reload(keepRows = false): Promise<number> {
    const gen = ++this.generation;
    this.loading = true;
    try {
      const page = await call(
        this.api.call('listRequests', { filter: this.contractFilter(), offset: 0, limit: PAGE_SIZE }),
      );
      if (gen !== this.generation) return 0;
      const added = keepRows ? page.total - this.total : 0;
      const rows = new Array<RequestRecord | null>(page.total).fill(null);
      if (added > 0) {
        const old = this.rows;
        for (let i = 0; i < old.length && i + added < rows.length; i++) rows[i + added] = old[i] ?? null;
      }
      page.items.forEach((r, i) => (rows[i] = r));
      this.rows = rows;
      this.byId.clear();
      rows.forEach((r, i) => r && this.byId.set(r.id, i));
      this.loaded.clear();
      this.fetching.clear();
      this.failedAt.clear();
      this.inFlight = 0;
      this.loaded.add(0);
      this.total = page.total;
      this.source = page.source;
      this.note = page.note;
      this.learn(page.items);
      this.error = null;
      this.emit(0, Infinity);
      this.pump();
      return Math.max(0, added);
    } catch (e) {
      if (gen === this.generation) this.error = errorText(e);
      return 0;
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  /** Row i, or null while its page loads. */
  row(i: number): RequestRecord | null {
    return this.rows[i] ?? null;
  }

  /** Index of the row with this id, or -1 (only among fetched rows). */
  indexOf(id: string): number {
    const i = this.byId.get(id);
    return i !== undefined && this.rows[i]?.id === id ? i : -1;
  }

  /**
   * The view shows rows [first, last]: fetch what it needs, then pages ahead of `dir` (1 down,
   * -1 up). After a jump the fetch waits for the view to settle.
   */
  view(first: number, last: number, dir: number): void {
    const jumped = Math.abs(first - this.want.first) > JUMP_ROWS;
    this.want = { first, last, dir: dir < 0 ? -1 : 1 };
    cancelAnimationFrame(this.settleFrame);
    this.settleFrame = 0;
    if (jumped && !this.inView(first, last)) {
      // Scroll events come before animation frames: a view still moving has jumped again (and
      // cancelled this) by the second frame.
      this.settleFrame = requestAnimationFrame(() => {
        this.settleFrame = requestAnimationFrame(() => {
          this.settleFrame = 0;
          this.pump();
        });
      });
    } else this.pump();
  }

  /** Every row of [first, last] already known. */
  private inView(first: number, last: number): boolean {
    for (let i = Math.max(0, first); i <= Math.min(last, this.total - 1); i++) if (!this.rows[i]) return false;
    return true;
  }

  /** The next page to fetch for the current view: rows in view, then ahead, then just behind. */
  private nextPage(): { page: number; inView: boolean } | null {
    if (this.total === 0) return null;
    const { first, last, dir } = this.want;
    const a = Math.floor(Math.max(0, first) / PAGE_SIZE);
    const b = Math.floor(Math.max(0, Math.min(last, this.total - 1)) / PAGE_SIZE);
    const order: number[] = [];
    for (let p = a; p <= b; p++) order.push(p);
    for (let k = 1; k <= PREFETCH_PAGES; k++) order.push(dir > 0 ? b + k : a - k);
    order.push(dir > 0 ? a - 1 : b + 1);
    for (const page of order) {
      if (this.needs(page)) return { page, inView: page >= a && page <= b };
    }
    return null;
  }

  /** Fetches what the view needs now (whatever is in flight: those may be for where it was),
   * then, once that has come, pages around it while fewer than MAX_IN_FLIGHT requests are
   * outstanding. */
  private pump(): void {
    if (this.settleFrame) return;
    for (;;) {
      const next = this.nextPage();
      if (!next) return;
      // Pages around the view wait until those in it have come: main answers one at a time.
      if (!next.inView && (this.inFlight >= MAX_IN_FLIGHT || this.viewFetching())) return;
      // Pages in view that follow each other go in one request: one round trip to main.
      let count = 1;
      while (next.inView && this.needs(next.page + count) && this.inViewPage(next.page + count)) count++;
      void this.loadPages(next.page, count);
    }
  }

  private needs(page: number): boolean {
    const lastPage = Math.floor((this.total - 1) / PAGE_SIZE);
    if (page < 0 || page > lastPage || this.loaded.has(page) || this.fetching.has(page)) return false;
    return (this.failedAt.get(page) ?? -Infinity) < performance.now() - RETRY_MS;
  }

  /** The pages the view's rows are on. */
  private viewPages(): { a: number; b: number } {
    const { first, last } = this.want;
    return { a: Math.floor(Math.max(0, first) / PAGE_SIZE), b: Math.floor(Math.max(0, last) / PAGE_SIZE) };
  }

  private viewFetching(): boolean {
    const { a, b } = this.viewPages();
    for (let p = a; p <= b; p++) if (this.fetching.has(p)) return true;
    return false;
  }

  private inViewPage(page: number): boolean {
    const { a, b } = this.viewPages();
    return page >= a && page <= b;
  }

  /** Fetches `count` pages from page `p` in one request. */
  private async loadPages(p: number, count: number): Promise<void> {
    for (let i = 0; i < count; i++) this.fetching.add(p + i);
    this.inFlight++;
    const gen = this.generation;
    const t0 = performance.now();
    try {
      const page = await call(
        this.api.call('listRequests', {
          filter: this.contractFilter(),
          offset: p * PAGE_SIZE,
          limit: count * PAGE_SIZE,
        }),
      );
      // How long pages take to arrive (the UI bench reads these).
      performance.measure('list:page', { start: t0 });
      if (gen !== this.generation) return;
      if (page.source !== this.source) {
        // The server went away (or came back) between pages: the list is read again from one place.
        void this.reload();
        return;
      }
      const rows = this.rows;
      const from = p * PAGE_SIZE;
      page.items.forEach((r, i) => {
        const old = rows[from + i];
        if (old && this.byId.get(old.id) === from + i) this.byId.delete(old.id);
        rows[from + i] = r;
        this.byId.set(r.id, from + i);
      });
      for (let i = 0; i < count; i++) {
        this.loaded.add(p + i);
        this.failedAt.delete(p + i);
      }
      this.learn(page.items);
      this.emit(from, from + page.items.length);
    } catch {
      // Asked again by a later view() or pump, RETRY_MS from now at the soonest.
      if (gen === this.generation) {
        for (let i = 0; i < count; i++) this.failedAt.set(p + i, performance.now());
        setTimeout(() => gen === this.generation && this.pump(), RETRY_MS);
      }
    } finally {
      if (gen === this.generation) {
        for (let i = 0; i < count; i++) this.fetching.delete(p + i);
        this.inFlight--;
        this.pump();
      }
    }
  }

  private emit(from: number, to: number): void {
    for (const fn of this.listeners) fn(from, to);
  }

  private patch(changed: RequestRecord[]): void {
    let unknown = false;
    for (const rec of changed) {
      const i = this.indexOf(rec.id);
      if (i >= 0) {
        this.rows[i] = rec;
        this.emit(i, i + 1);
      } else unknown = true;
    }
    this.learn(changed);
    // A new request: re-read after a short pause (several may arrive together); the view keeps
    // its place through `inserted`.
    if (unknown && !this.reloadTimer) {
      this.reloadTimer = setTimeout(async () => {
        this.reloadTimer = null;
        const added = await this.reload(true);
        if (added > 0) this.inserted = [added, this.inserted[1] + 1];
      }, 250);
    }
  }

  private learn(records: ReadonlyArray<Pick<RequestRecord, 'type' | 'user'>>): void {
    // Plain sets, read once: a page arrives during scrolling and has 200 records to look at.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const types = new Set(this.seenTypes);
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const users = new Set(this.seenUsers);
    const newTypes = records.map((r) => r.type).filter((t) => !types.has(t));
    const newUsers = records.map((r) => r.user).filter((u) => u && !users.has(u));
    if (newTypes.length) this.seenTypes = uniqueSorted([...types, ...newTypes]);
    if (newUsers.length) this.seenUsers = uniqueSorted([...users, ...newUsers]);
  }
}

function uniqueSorted(list: string[]): string[] {
  return list.filter((v, i) => list.indexOf(v) === i).sort();
}
