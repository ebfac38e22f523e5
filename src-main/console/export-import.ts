// Export cached requests to one self-contained file, and import such a file on another machine.
// The file keeps exact encodings (nanosecond times, the 2017 wire's request and logs), so
// nothing is lost on the way, and names the machine it was exported on. Chains and job statuses
// are the console model's (format 2: v2 jobs keep their names and tries); format 1 files (2017
// wire chains and statuses) are read too. Imported requests are read-only
// (origin 'imported'; the console never sends an RM anything about them) and are kept in a
// context of their own, named after their source: `local (imported from build-7)`. Live
// context names cannot hold a space, so an import never lands in a live context.
// Runs in the cache worker, beside the cache.

import { hostname } from 'node:os';
import { clip } from '../shared/clip';
import {
  MAX_REQUEST_ID,
  chainView,
  requestFields,
  type ChainView,
  type ImportResult,
  type JobStatusRecord,
  type RequestRef,
} from '../shared/console-model';
import {
  decodeJobChain,
  decodeJobLog,
  decodeJobStatus,
  decodeJsonObject,
  decodeRequest,
  encodeJobLogs,
  encodeRequest,
  parseWire,
  type JobLog,
  type JsonObject,
  type Request,
} from '../shared/proto';
import type { Cache } from './cache/cache';
import type { StatusToCache } from './cache/chain-store';
import { chainFromJson } from './cache/chain-text';
import { summarizeCachedFailure } from './cached-failure';

export const EXPORT_FORMAT = 'spincycle-console-export';
export const EXPORT_VERSION = 2;
/** Versions this console reads. */
const READS = new Set([1, 2]);

export interface ExportedRequest {
  /** The context it was cached in where it was exported. */
  context: string;
  request: Request;
  args: JsonObject | null;
  chain: ChainView | null;
  statuses: Array<StatusToCache & { requestId: string }>;
  logs: JobLog[];
}

export interface ExportFile {
  /** The machine the file was exported on; null in files written before it was recorded. */
  exportedFrom: string | null;
  requests: ExportedRequest[];
}

/** Thrown for a file that is not a usable export; the message says what is wrong. */
export class ImportError extends Error {
  override name = 'ImportError';
}

const CONTEXT_NAME = /^[\w.-]{1,64}$/;
const HOST_NAME = /^[\w.-]{1,100}$/;
/** A context an import made; a request exported from one keeps it (its source is unchanged). */
const IMPORTED_CONTEXT = /^[\w.-]{1,64} \(imported(?: from [\w.-]{1,100})?\)$/;
/**
 * The deepest nesting a file may have. Its own structure takes 7 levels (a job's args sit at
 * requests[i].chain.jobs.<id>.args); the rest is for args. Deeper JSON cannot be stored: writing
 * it back out recurses.
 */
const MAX_NESTING = 100;

/** The context imported requests of `source` are kept in. */
export function importedContextName(source: string, exportedFrom: string | null): string {
  if (IMPORTED_CONTEXT.test(source)) return source;
  return exportedFrom ? `${source} (imported from ${exportedFrom})` : `${source} (imported)`;
}

function toWireRequest(cache: Cache, context: string, id: string): Request {
  const r = cache.requests.get(context, id);
  if (!r) throw new ImportError(`request ${id} is not in the cache of context ${context}`);
  return requestFields(r);
}

/** A job status as exported: the 2017 status's keys (runtime, n) with the console's name and try. */
const exportedStatus = (s: JobStatusRecord) => ({
  requestId: s.requestId,
  jobId: s.jobId,
  name: s.name,
  state: s.state,
  status: s.status,
  try: s.try,
  runtime: s.runtime,
  n: 0,
});

/** A job status of a file: 2017's keys, and the name and try of format 2 (absent in format 1). */
function decodeStatus(item: unknown, at: string): StatusToCache & { requestId: string } {
  const base = decodeJobStatus(item, at);
  const { name = null, try: tryN = null } = item as { name?: unknown; try?: unknown };
  if (name !== null && typeof name !== 'string') throw new ImportError(`${at}.name: expected text or null`);
  if (tryN !== null && !(typeof tryN === 'number' && Number.isSafeInteger(tryN) && tryN >= 0)) {
    throw new ImportError(`${at}.try: expected a count or null`);
  }
  return { ...base, name, try: tryN };
}

/** Every cached part of the given requests, as the text of one export file. */
export function exportRequests(cache: Cache, refs: readonly RequestRef[], exportedFrom = hostname()): string {
  const parts = refs.map(({ context, id }) => {
    const request = toWireRequest(cache, context, id);
    const logs: JobLog[] = [];
    for (let offset = 0; ;) {
      const page = cache.logs.page(context, id, offset, 1000);
      for (const l of page.items) {
        logs.push({ ...l, startedAt: BigInt(l.startedAt), finishedAt: BigInt(l.finishedAt) });
      }
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
    }
    const chain = cache.chains.chainText(context, id);
    const args = cache.requests.get(context, id)?.args ?? null;
    return [
      `{"context":${JSON.stringify(context)}`,
      `"request":${encodeRequest(request)}`,
      `"args":${JSON.stringify(args)}`,
      `"chain":${chain ?? 'null'}`,
      `"statuses":${JSON.stringify(cache.chains.statuses(context, id).map(exportedStatus))}`,
      `"logs":${encodeJobLogs(logs)}}`,
    ].join(',');
  });
  const head = [
    `"format":"${EXPORT_FORMAT}"`,
    `"version":${EXPORT_VERSION}`,
    `"exportedAt":"${new Date().toISOString()}"`,
    `"exportedFrom":${JSON.stringify(exportedFrom)}`,
  ];
  return `{${head.join(',')},"requests":[${parts.join(',')}]}\n`;
}

/** A value from the file, quoted in a message: cut, so a huge field never comes back whole. */
const quote = (v: unknown) => clip(JSON.stringify(v) ?? String(v), 100);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Refuses a document nested deeper than MAX_NESTING, naming where (walked without recursion). */
function checkNesting(doc: unknown): void {
  const stack: Array<[object, string, number]> = typeof doc === 'object' && doc !== null ? [[doc, '', 1]] : [];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [value, at, depth] = top;
    if (depth > MAX_NESTING) throw new ImportError(`${clip(at, 80)}: nested deeper than ${MAX_NESTING} levels`);
    const entries = Array.isArray(value)
      ? value.map((x: unknown, i) => [`${at}[${i}]`, x] as const)
      : Object.entries(value).map(([k, x]) => [at ? `${at}.${k}` : k, x] as const);
    for (const [path, x] of entries) if (typeof x === 'object' && x !== null) stack.push([x, path, depth + 1]);
  }
}

function list<T>(v: unknown, at: string, decode: (item: unknown, path: string) => T): T[] {
  if (v == null) return [];
  if (!Array.isArray(v)) throw new ImportError(`${at}: expected a list`);
  return v.map((item, i) => decode(item, `${at}[${i}]`));
}

/**
 * Checks that every part of an item is a part of that item's request, once: the chain, each
 * job status and each log name its request id, and (when the chain is there) one of its jobs,
 * as does every edge of the chain; a job has one status and each try one log. A file whose
 * parts point elsewhere would write into another request's cache; a part said twice would
 * keep one of the two, silently.
 */
function checkBelongs(it: ExportedRequest, at: string): void {
  const id = it.request.id;
  const mine = (what: string, requestId: string) => {
    if (requestId !== id) {
      throw new ImportError(`${what}.requestId: ${quote(requestId)} is not this item's request (${id})`);
    }
  };
  const jobs = it.chain ? new Set(it.chain.jobs.map((j) => j.id)) : null;
  const inChain = (field: string, jobId: string) => {
    if (jobs && !jobs.has(jobId)) {
      throw new ImportError(`${field}: ${quote(jobId)} is not a job of request ${id}'s chain`);
    }
  };
  const once = (what: string, seen: Map<string, number>, key: string, i: number, said: string) => {
    const first = seen.get(key);
    if (first !== undefined) throw new ImportError(`${at}.${what}[${i}]: ${said} is also ${what}[${first}]`);
    seen.set(key, i);
  };
  if (it.chain) {
    mine(`${at}.chain`, it.chain.requestId);
    const jobAt = new Map<string, number>();
    it.chain.jobs.forEach((job, i) => once('chain.jobs', jobAt, job.id, i, `job ${quote(job.id)}`));
    for (const [from, next] of Object.entries(it.chain.adjacencyList)) {
      inChain(`${at}.chain.adjacencyList`, from);
      next.forEach((to, i) => inChain(`${at}.chain.adjacencyList[${quote(from)}][${i}]`, to));
    }
  }
  const statusOf = new Map<string, number>();
  it.statuses.forEach((s, i) => {
    mine(`${at}.statuses[${i}]`, s.requestId);
    inChain(`${at}.statuses[${i}].jobId`, s.jobId);
    once('statuses', statusOf, s.jobId, i, `the status of job ${quote(s.jobId)}`);
  });
  const logOf = new Map<string, number>();
  it.logs.forEach((l, i) => {
    mine(`${at}.logs[${i}]`, l.requestId);
    inChain(`${at}.logs[${i}].jobId`, l.jobId);
    once('logs', logOf, `${l.jobId}#${l.try}`, i, `try ${l.try} of job ${quote(l.jobId)}`);
  });
}

/**
 * An item's chain: the console model's (format 2), or a 2017 wire chain (format 1) whose map
 * holds each job under its own id.
 */
function itemChain(v: unknown, at: string): ChainView {
  if (isObject(v) && isObject(v.jobs)) {
    const wire = decodeJobChain(v, at);
    for (const [key, job] of Object.entries(wire.jobs)) {
      if (job.id !== key) throw new ImportError(`${at}.jobs[${quote(key)}]: holds job ${quote(job.id)}`);
    }
    return chainView(wire);
  }
  return chainFromJson(v, at);
}

function parseItem(item: unknown, at: string): ExportedRequest {
  if (!isObject(item)) throw new ImportError(`${at}: expected an object`);
  const { context } = item;
  if (typeof context !== 'string' || !(CONTEXT_NAME.test(context) || IMPORTED_CONTEXT.test(context))) {
    throw new ImportError(`${at}.context: expected a context name, got ${quote(context)}`);
  }
  try {
    const request = decodeRequest(item.request, `${at}.request`);
    if (request.id === '' || request.id.length > MAX_REQUEST_ID) {
      throw new ImportError(`${at}.request.id: expected a request id of 1 to ${MAX_REQUEST_ID} characters`);
    }
    const parsed: ExportedRequest = {
      context,
      request,
      args: decodeJsonObject(item.args, `${at}.args`),
      chain: item.chain == null ? null : itemChain(item.chain, `${at}.chain`),
      statuses: list(item.statuses, `${at}.statuses`, decodeStatus),
      logs: list(item.logs, `${at}.logs`, decodeJobLog),
    };
    checkBelongs(parsed, at);
    return parsed;
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError((err as Error).message);
  }
}

/** Reads an export file, validating every part before anything is written. */
export function parseExport(text: string): ExportFile {
  let doc: unknown;
  try {
    doc = parseWire(text);
  } catch (err) {
    throw new ImportError(`not an export file: ${(err as Error).message}`);
  }
  if (!isObject(doc) || doc.format !== EXPORT_FORMAT) {
    throw new ImportError(`not an export file: expected "format": "${EXPORT_FORMAT}"`);
  }
  if (!READS.has(doc.version as number)) {
    throw new ImportError(
      `unsupported export version ${String(doc.version)} (this console reads ${[...READS].join(' and ')})`,
    );
  }
  checkNesting(doc);
  const from = doc.exportedFrom ?? null;
  if (from !== null && (typeof from !== 'string' || !HOST_NAME.test(from))) {
    throw new ImportError(`exportedFrom: expected a host name, got ${quote(from)}`);
  }
  if (!Array.isArray(doc.requests)) throw new ImportError('export file has no "requests" list');
  const seen = new Map<string, number>();
  const requests = doc.requests.map((item: unknown, i) => {
    const parsed = parseItem(item, `requests[${i}]`);
    const key = `${parsed.context}\n${parsed.request.id}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ImportError(
        `requests[${i}]: request ${parsed.request.id} of context ${parsed.context} is also requests[${first}]`,
      );
    }
    seen.set(key, i);
    return parsed;
  });
  return { exportedFrom: from, requests };
}

/** True when the cache already holds everything the item has: the same request state and every try's log. */
function isDuplicate(cache: Cache, context: string, it: ExportedRequest): boolean {
  const cached = cache.requests.get(context, it.request.id);
  if (!cached) return false;
  const r = it.request;
  if (cached.state !== r.state || cached.finishedJobs !== r.finishedJobs || cached.finishedAt !== r.finishedAt) {
    return false;
  }
  const tries = cache.logs.tries(context, r.id);
  return it.logs.every((l) => tries.has(`${l.jobId}#${l.try}`));
}

/**
 * Imports an export file into the cache in one transaction: all of it, or nothing. Each
 * request goes into the context named after its source (importedContextName). One already
 * imported with the same state and logs is skipped as a duplicate; a newer export of it
 * (further along, more tries) brings the cached copy up to date. A failed request gets its
 * failure summary from what was imported.
 */
export function importRequests(cache: Cache, text: string): ImportResult {
  const file = parseExport(text);
  const imported: RequestRef[] = [];
  let skipped = 0;
  cache.transaction(() => {
    for (const it of file.requests) {
      const context = importedContextName(it.context, file.exportedFrom);
      const id = it.request.id;
      if (isDuplicate(cache, context, it)) {
        skipped++;
        continue;
      }
      cache.requests.put(context, it.request, { args: it.args, origin: 'imported', syncedMs: 0 });
      if (it.chain) cache.chains.putChain(context, id, it.chain);
      cache.chains.putStatuses(context, id, it.statuses);
      cache.logs.put(context, it.logs);
      summarizeCachedFailure(cache, context, id);
      imported.push({ context, id });
    }
  });
  return { imported, skipped };
}
