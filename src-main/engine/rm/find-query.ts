// `GET /api/v1/requests`: our RM finds requests with upstream v2's query semantics
// (docs/protocol/v2.md §6, docs/protocol/extensions.md): `type`, `state` (a name, repeatable),
// `user`, `arg=<name>=<value>` (repeatable, all must match the args the request was created
// with), `since` (finished after it, or not finished), `until` (created before it), `limit`,
// `offset`; newest first, no limit unless asked. A bad parameter is a 400 with v2's words.

import { StateValue } from '../../shared/proto';
import { timeToNanos } from '../../shared/proto-v2';
import { HttpError } from '../http/server';
import type { FindFilter } from '../store/engine-store';

/** v2's state names our RM holds none of: accepted, matching nothing (as no request is in them). */
const NEVER_HELD = new Set(['RESERVED', 'SUSPENDED']);
const NOTHING = -1;

const invalid = (key: string, value: string, why: string) =>
  new HttpError(400, `invalid '${key}' parameter: ${JSON.stringify(value)} ${why}`);

/** Reads a find's query string; a bad parameter throws a 400. */
export function parseFindQuery(query: URLSearchParams): FindFilter {
  const filter: FindFilter = { args: [], limit: null, offset: 0 };
  const type = query.get('type');
  if (type !== null && type !== '') filter.type = type;
  const user = query.get('user');
  if (user !== null && user !== '') filter.user = user;
  const states = query.getAll('state');
  if (states.length > 0) {
    filter.states = states.map((name) => {
      if (NEVER_HELD.has(name)) return NOTHING;
      const value = StateValue[name];
      if (value === undefined) throw invalid('state', name, 'is not a valid state name');
      return value;
    });
  }
  for (const arg of query.getAll('arg')) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw invalid('arg', arg, 'is not name=value');
    filter.args.push([arg.slice(0, eq), arg.slice(eq + 1)]);
  }
  // Our times are whole milliseconds: finished_ms * 1e6 > since_ns <=> finished_ms > floor(since_ns / 1e6),
  // and created_ms * 1e6 < until_ns <=> created_ms < ceil(until_ns / 1e6).
  const since = time(query, 'since');
  if (since !== null) filter.finishedAfterMs = Number(floorDiv(since, NS_PER_MS));
  const until = time(query, 'until');
  if (until !== null) filter.createdBeforeMs = Number(-floorDiv(-until, NS_PER_MS));
  filter.limit = count(query, 'limit');
  filter.offset = count(query, 'offset') ?? 0;
  // v2 reads a limit of 0 as none.
  if (filter.limit === 0) filter.limit = null;
  return filter;
}

const NS_PER_MS = 1_000_000n;
const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

function time(query: URLSearchParams, key: 'since' | 'until'): bigint | null {
  const text = query.get(key);
  if (text === null || text === '') return null;
  const ns = timeToNanos(text);
  if (ns === null) throw invalid(key, text, 'cannot be parsed to time.Time using RFC3339Nano format');
  return ns;
}

function count(query: URLSearchParams, key: 'limit' | 'offset'): number | null {
  const text = query.get(key);
  if (text === null || text === '') return null;
  if (!/^\d{1,15}$/.test(text)) throw invalid(key, text, 'is not a whole number');
  return Number(text);
}
