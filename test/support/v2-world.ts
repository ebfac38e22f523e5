// A v2.1.1 Request Manager made of its recordings (test/fixtures/http-v2): every recorded RM
// answer is given again, as often as asked (the last recording of a path wins, so a request
// reads as it last was); what no recording answers is made from them the way the real one would:
// a find filters every request the recordings know, a request's chain comes from its recorded
// request, a create is answered by the recording of a create of that type. Its job-running
// list is idle: every recorded request has ended (or is suspended).

import { WireError, parseWire } from '../../src-main/shared/proto';
import {
  V2_STATE_NAMES,
  decodeV2CreateRequest,
  decodeV2Request,
  decodeV2Requests,
  encodeV2Error,
  encodeV2JobChain,
  encodeV2Requests,
  timeToNanos,
  type V2Request,
} from '../../src-main/shared/proto-v2';
import { allExchanges, readV2Exchange, V2_FIXTURE_DIR, type Exchange } from './http-fixtures';
import { replay, type RecordedAnswer, type ReplayServer } from './replay-server';

const RM_HOST = /:28888$/;
const JSON_HEADERS = { 'content-type': 'application/json', 'x-spincycle-version': '2.1.1' };
const json = (status: number, body: string): RecordedAnswer => ({ status, headers: JSON_HEADERS, body: `${body}\n` });
const refusal = (status: number, message: string) =>
  json(status, encodeV2Error({ message, requestId: '', httpStatus: status }));

/** Recordings that describe a moment, not the world as it ends: a busy running list. */
const MOMENTS = new Set(['023-rm-status-running-busy.txt', '024-rm-status-running-filtered.txt']);

/** The RM's recorded exchanges, in recording order. */
export function v2RmExchanges(): Exchange[] {
  return allExchanges(V2_FIXTURE_DIR).filter(
    (ex) => RM_HOST.test(ex.request.headers.host ?? '') && !MOMENTS.has(ex.file),
  );
}

const bodyOf = (ex: Exchange) => parseWire(ex.response?.body ?? 'null');
const isGetOne = (ex: Exchange) => ex.method === 'GET' && /^\/api\/v1\/requests\/[^/?]+$/.test(ex.path);

const isCreate = (ex: Exchange) => ex.method === 'POST' && ex.path === '/api/v1/requests';

/**
 * Every request the recordings know, as each was last seen: the find of every request (070),
 * then each one read by id (with its args and chain); args from its create where no read has them.
 */
export function recordedRequests(exchanges = v2RmExchanges()): V2Request[] {
  const byId = new Map<string, V2Request>();
  const all = exchanges.find((ex) => ex.file === '070-rm-find-requests-all.txt');
  for (const r of all ? decodeV2Requests(bodyOf(all)) : []) byId.set(r.id, r);
  for (const ex of exchanges.filter((e) => isGetOne(e) && e.response?.status === 200)) {
    const r = decodeV2Request(bodyOf(ex));
    byId.set(r.id, r);
  }
  for (const ex of exchanges.filter((e) => isCreate(e) && e.response?.status === 201)) {
    const created = decodeV2Request(bodyOf(ex));
    const known = byId.get(created.id);
    if (known && known.args === null) byId.set(created.id, { ...known, args: created.args });
  }
  return [...byId.values()];
}

/** Recordings answered again as they were: reads of one thing (not finds or creates, which depend on the world). */
const replayable = (ex: Exchange) =>
  !isCreate(ex) && !(ex.method === 'GET' && /^\/api\/v1\/requests(\?|$)/.test(ex.path));

/** A find's answer, as the real RM gives it: newest first, no args, chain or JR; 400 for a bad parameter. */
export function findIn(requests: readonly V2Request[], query: URLSearchParams): RecordedAnswer {
  const names = new Set(Object.values(V2_STATE_NAMES));
  const states = query.getAll('state');
  const bad = states.find((s) => !names.has(s));
  if (bad !== undefined)
    return refusal(400, `invalid 'state' parameter: ${JSON.stringify(bad)} is not a valid state name`);
  const times: Record<'since' | 'until', bigint | null> = { since: null, until: null };
  for (const key of ['since', 'until'] as const) {
    const text = query.get(key);
    if (text === null) continue;
    times[key] = timeToNanos(text);
    if (times[key] === null) {
      return refusal(
        400,
        `invalid '${key}' parameter: ${JSON.stringify(text)} cannot be parsed to time.Time using RFC3339Nano format`,
      );
    }
  }
  const count = (key: string): number | null | undefined => {
    const text = query.get(key);
    if (text === null) return undefined;
    return /^\d+$/.test(text) ? Number(text) : null;
  };
  const limit = count('limit');
  const offset = count('offset');
  if (limit === null || offset === null) {
    return refusal(400, `invalid '${limit === null ? 'limit' : 'offset'}' parameter: not a whole number`);
  }
  const stateBytes = new Set(states.map((s) => Number(Object.entries(V2_STATE_NAMES).find(([, n]) => n === s)?.[0])));
  const args = query.getAll('arg').map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] as const);
  const type = query.get('type');
  const user = query.get('user');
  const matched = requests
    .filter((r) => type === null || r.type === type)
    .filter((r) => stateBytes.size === 0 || stateBytes.has(r.state))
    .filter((r) => user === null || r.user === user)
    .filter((r) =>
      args.every(([k, v]) => r.args?.some((a) => a.Given && a.Name === k && argText(a.Value) === v) ?? false),
    )
    .filter((r) => times.since === null || r.finishedAt === null || (timeToNanos(r.finishedAt) ?? 0n) > times.since)
    .filter((r) => times.until === null || (timeToNanos(r.createdAt) ?? 0n) < times.until)
    .sort((a, b) => Number((timeToNanos(b.createdAt) ?? 0n) - (timeToNanos(a.createdAt) ?? 0n)))
    .slice(offset ?? 0, limit ? (offset ?? 0) + limit : undefined)
    .map((r) => ({ ...r, args: null, jobChain: undefined, jrURL: '' }));
  return json(200, encodeV2Requests(matched));
}

const argText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Starts the world on a loopback port (a free one unless given). */
export async function replayV2World(port?: number): Promise<ReplayServer> {
  const exchanges = v2RmExchanges();
  const requests = recordedRequests(exchanges);
  const creates = exchanges.filter(isCreate);
  return replay(exchanges.filter(replayable), {
    sticky: true,
    ...(port === undefined ? {} : { port }),
    fallback: ({ method, path, body }) => {
      const [route = '', q = ''] = path.split('?');
      if (method === 'GET' && route === '/api/v1/requests') return findIn(requests, new URLSearchParams(q));
      if (method === 'GET' && route === '/api/v1/status/running') return json(200, '{"jobs":null,"requests":null}');
      const chain = /^\/api\/v1\/requests\/([^/]+)\/job-chain$/.exec(route);
      if (method === 'GET' && chain) {
        const r = requests.find((x) => x.id === chain[1]);
        return r?.jobChain ? json(200, encodeV2JobChain(r.jobChain)) : refusal(404, `job chain not found`);
      }
      if (method === 'GET' && /^\/api\/v1\/requests\/[^/]+\/log$/.test(route)) return json(200, 'null');
      if (method === 'PUT' && /^\/api\/v1\/requests\/[^/]+\/stop$/.test(route)) {
        return { status: 200, headers: { 'x-spincycle-version': '2.1.1' }, body: '' };
      }
      if (method === 'POST' && route === '/api/v1/requests') return createAnswer(creates, body);
      return null;
    },
  });
}

/** A create answered by the recording of a create of the same type. */
function createAnswer(creates: readonly Exchange[], body: string): RecordedAnswer {
  let type: string;
  try {
    type = decodeV2CreateRequest(parseWire(body)).Type;
  } catch (err) {
    if (err instanceof WireError) return json(400, encodeV2Error({ message: err.message }));
    return json(400, encodeV2Error({ message: 'unexpected EOF' }));
  }
  const same = creates.findLast((ex) => {
    try {
      return decodeV2CreateRequest(parseWire(ex.request.body)).Type === type;
    } catch {
      return false;
    }
  });
  return same?.response ?? refusal(500, `cannot find specs for request: ${type}`);
}

/** The demo request's id, RUNNING in the recorded moment below. */
export const RUNNING_DEMO = 'dc85t7b8di14qp6dp5tg';

/**
 * v2.1.1 at the recorded moment the demo request's `nap` (job y3dr) ran: the request RUNNING, the
 * running list busy with the nap's try and its status text, every answer given as often as asked.
 */
export function replayV2RunningMoment(): Promise<ReplayServer> {
  const files = [
    '010-rm-version.txt',
    '014-rm-request-list.txt',
    '021-rm-get-request-running.txt',
    '022-rm-get-job-chain.txt',
    '023-rm-status-running-busy.txt',
    '024-rm-status-running-filtered.txt',
    '027-rm-get-full-log-running.txt',
  ];
  return replay(files.map(readV2Exchange), { sticky: true });
}
