// Pages through a server's whole history of requests (ours and v2 servers list them), with the
// filters applied on the server, a bounded page at a time, for a list that scrolls through
// 100,000 of them:
// - an anchor: the first page is read as it is now, and every later page of the same list asks
//   for requests created before the newest one then (`until`, on the server's own clock), so
//   requests started meanwhile do not shift the pages; reading the first page again moves it;
// - a total: ours says it with the first page; v2 has no count, so it is found by asking for one
//   request at an offset, doubling, then halving (about 2·log2(n) tiny calls; a list shorter
//   than a page needs none), and kept while the filter stays: when only new requests can have
//   arrived (no state or time filter) the new first page says how many;
// - "created since": v2's `since` means "finished after", so the console's time range (created
//   at or after) is the prefix of the newest-first list before the first request created earlier.

import type { FindQuery, RmRequest } from '../../shared/console-model';
import { nanosToTime, timeToNanos } from '../../shared/proto-v2';
import type { RmApi } from '../client/rm-api';

/** What the server can filter (one type, one user, states, a creation window). */
export interface ServerFilter {
  type?: string;
  states?: number[];
  user?: string;
  /** Created at or after (ms since epoch). */
  createdSinceMs?: number;
  /** Created before (ms since epoch). */
  createdBeforeMs?: number;
}

export interface BrowsePage {
  items: RmRequest[];
  /** Every request the filter matches (as of the anchor). */
  total: number;
  offset: number;
}

interface ListState {
  /** The filter as it was when the first page was read (a time range's start moves with the clock). */
  filter: ServerFilter;
  /** `until` for every page after the first: just after the newest request then (RFC 3339 ns). */
  anchor: string | null;
  total: number;
  /** The newest request then, to tell how many arrived above it. */
  topId: string | null;
}

/** Lists whose totals are remembered (one per filter the operator used lately). */
const MAX_LISTS = 20;

export class RequestBrowser {
  private readonly lists = new Map<string, ListState>();

  constructor(private readonly api: Pick<RmApi, 'findRequests'>) {}

  /** Requests [offset, offset + limit) of the filtered list, newest first, and its total. */
  async page(filter: ServerFilter, offset: number, limit: number): Promise<BrowsePage> {
    const { createdSinceMs: _since, ...fixed } = filter;
    const key = JSON.stringify(fixed);
    const known = this.lists.get(key);
    if (offset === 0 || !known) {
      const list = await this.restart(key, filter, known ?? null, limit);
      if (offset === 0) return { items: list.firstPage, total: list.total, offset };
    }
    const list = this.lists.get(key) as ListState;
    if (offset >= list.total) return { items: [], total: list.total, offset };
    const found = await this.api.findRequests(this.query(list.filter, list.anchor, { offset, limit }));
    return { items: this.since(list.filter, found.requests), total: list.total, offset };
  }

  /** Reads the first page as it is now: a new anchor, and the total (counted, or carried over). */
  private async restart(
    key: string,
    filter: ServerFilter,
    before: ListState | null,
    limit: number,
  ): Promise<ListState & { firstPage: RmRequest[] }> {
    const found = await this.api.findRequests(this.query(filter, null, { offset: 0, limit }));
    const first = this.since(filter, found.requests);
    const top = first[0];
    const anchor = top ? justAfter(top.createdAt) : this.until(filter, null);
    let total: number;
    const arrived = before?.topId ? first.findIndex((r) => r.id === before.topId) : -1;
    if (first.length < found.requests.length || found.requests.length < limit) total = first.length;
    else if (found.total !== null && filter.createdSinceMs === undefined) total = found.total;
    else if (before && arrived >= 0 && immutable(filter)) total = before.total + arrived;
    else total = await this.count(filter, anchor, found.total);
    const list = { filter, anchor, total, topId: top?.id ?? null };
    this.lists.delete(key);
    this.lists.set(key, list);
    if (this.lists.size > MAX_LISTS) this.lists.delete(this.lists.keys().next().value as string);
    return { ...list, firstPage: first };
  }

  /**
   * How many requests match: the first offset with none, found by doubling then halving (only
   * halving below `atMost`, when the server said how many match without the creation window).
   */
  private async count(filter: ServerFilter, anchor: string | null, atMost: number | null): Promise<number> {
    const inside = async (offset: number) => {
      const [r] = (await this.api.findRequests(this.query(filter, anchor, { offset, limit: 1 }))).requests;
      return r !== undefined && this.since(filter, [r]).length === 1;
    };
    let lo = -1; // known inside (or -1)
    let outside: number; // known outside
    if (atMost !== null) outside = atMost;
    else {
      let hi = 1;
      while (await inside(hi - 1)) {
        lo = hi - 1;
        hi *= 2;
      }
      outside = hi - 1;
    }
    while (outside - lo > 1) {
      const mid = Math.floor((lo + outside) / 2);
      if (await inside(mid)) lo = mid;
      else outside = mid;
    }
    return lo + 1;
  }

  private query(filter: ServerFilter, anchor: string | null, paging: { offset: number; limit: number }): FindQuery {
    const q: FindQuery = { ...paging };
    if (filter.type !== undefined) q.type = filter.type;
    if (filter.user !== undefined) q.user = filter.user;
    if (filter.states?.length) q.states = filter.states;
    const until = this.until(filter, anchor);
    if (until !== null) q.until = until;
    return q;
  }

  /** The earlier of the anchor and the filter's own creation bound. */
  private until(filter: ServerFilter, anchor: string | null): string | null {
    const own = filter.createdBeforeMs === undefined ? null : new Date(filter.createdBeforeMs).toISOString();
    if (anchor === null) return own;
    if (own === null) return anchor;
    return (timeToNanos(own) ?? 0n) < (timeToNanos(anchor) ?? 0n) ? own : anchor;
  }

  /** The requests created at or after the filter's start (a prefix of a newest-first list). */
  private since(filter: ServerFilter, list: RmRequest[]): RmRequest[] {
    const from = filter.createdSinceMs;
    if (from === undefined) return list;
    const end = list.findIndex((r) => Date.parse(r.createdAt) < from);
    return end < 0 ? list : list.slice(0, end);
  }
}

/** `until` that keeps a request created at `time`: one nanosecond after it. */
function justAfter(time: string): string {
  const ns = timeToNanos(time);
  return ns === null ? time : nanosToTime(ns + 1n);
}

/** Only new requests can change this list's count: no filter on state, nor a window that moves. */
const immutable = (f: ServerFilter) => !f.states?.length && f.createdSinceMs === undefined;
