// The requests list of one context: filters, pages fetched on demand as rows scroll into view
// (listRequests with offset/limit), and live patches from `requestsChanged` that keep the
// operator's place: rows update in place, and new requests arriving above shift the list by
// exactly the rows they add (`inserted` lets the view keep its scroll position).

import type { ConsoleApi } from '../../src-main/shared/ipc';
import type { RequestFilter, RequestRecord } from '../../src-main/shared/console-model';
import type { State } from '../../src-main/shared/proto';
import { call, errorText } from '../lib/call';

export const PAGE_SIZE = 200;

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

export class RequestsList {
  filter = $state<ListFilter>(emptyFilter());
  total = $state(0);
  /** Replaced on reload; pages and live patches write into it in place and bump `version`. */
  rows = $state.raw<Array<RequestRecord | null>>([]);
  /** Bumped whenever `rows` changed in place (a page arrived, a row was patched). */
  version = $state(0);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Bumped when rows were inserted above the visible ones: [how many, serial]. */
  inserted = $state<[number, number]>([0, 0]);
  /** Types and users seen, for the filter menus. */
  seenTypes = $state<string[]>([]);
  seenUsers = $state<string[]>([]);

  private readonly api: ConsoleApi;
  private context: string;
  // Plain Set: which pages were asked for (bookkeeping, not rendered).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private loaded = new Set<number>();
  private generation = 0;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribe: () => void;

  constructor(api: ConsoleApi, context: string) {
    this.api = api;
    this.context = context;
    this.unsubscribe = api.on('requestsChanged', (ev) => {
      if (ev.context === this.context) this.patch(ev.requests);
    });
  }

  dispose(): void {
    this.unsubscribe();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
  }

  setContext(context: string): void {
    if (context === this.context) return;
    this.context = context;
    this.reload();
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

  /** Drops every page and loads the first again. */
  async reload(keepRows = false): Promise<number> {
    const gen = ++this.generation;
    this.loaded.clear();
    this.loading = true;
    try {
      const page = await call(this.api.listRequests(this.contractFilter(), 0, PAGE_SIZE));
      if (gen !== this.generation) return 0;
      const before = this.total;
      const rows: Array<RequestRecord | null> = new Array<RequestRecord | null>(page.total).fill(null);
      page.items.forEach((r, i) => (rows[i] = r));
      this.rows = rows;
      this.total = page.total;
      this.loaded.add(0);
      this.learn(page.items);
      this.error = null;
      return keepRows ? page.total - before : 0;
    } catch (e) {
      if (gen === this.generation) this.error = errorText(e);
      return 0;
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  /** Row i (null while its page loads); reactive through `version`. */
  row(i: number): RequestRecord | null {
    void this.version;
    return this.rows[i] ?? null;
  }

  /** Index of the row with this id, or -1 (only among fetched rows). */
  indexOf(id: string): number {
    void this.version;
    return this.rows.findIndex((r) => r?.id === id);
  }

  /** Makes sure rows [start, end) are fetched. */
  ensure(start: number, end: number): void {
    const first = Math.floor(Math.max(0, start) / PAGE_SIZE);
    const last = Math.floor(Math.max(0, Math.min(end, this.total) - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) if (!this.loaded.has(p)) void this.loadPage(p);
  }

  private async loadPage(p: number): Promise<void> {
    this.loaded.add(p);
    const gen = this.generation;
    try {
      const page = await call(this.api.listRequests(this.contractFilter(), p * PAGE_SIZE, PAGE_SIZE));
      if (gen !== this.generation) return;
      // In place, not a copy of the whole 100,000-entry array for every 200-row page.
      const rows = this.rows;
      page.items.forEach((r, i) => (rows[p * PAGE_SIZE + i] = r));
      this.version++;
      this.learn(page.items);
    } catch {
      this.loaded.delete(p);
    }
  }

  private patch(changed: RequestRecord[]): void {
    let unknown = false;
    const rows = this.rows;
    let touched = false;
    for (const rec of changed) {
      const i = rows.findIndex((r) => r?.id === rec.id);
      if (i >= 0) {
        rows[i] = rec;
        touched = true;
      } else unknown = true;
    }
    if (touched) this.version++;
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

  private learn(records: RequestRecord[]): void {
    const newTypes = records.map((r) => r.type).filter((t) => !this.seenTypes.includes(t));
    const newUsers = records.map((r) => r.user).filter((u) => u && !this.seenUsers.includes(u));
    if (newTypes.length) this.seenTypes = uniqueSorted([...this.seenTypes, ...newTypes]);
    if (newUsers.length) this.seenUsers = uniqueSorted([...this.seenUsers, ...newUsers]);
  }
}

function uniqueSorted(list: string[]): string[] {
  return list.filter((v, i) => list.indexOf(v) === i).sort();
}
