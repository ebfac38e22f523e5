// Export cached requests to one self-contained file, and import such a file on another machine.
// The file keeps exact encodings (nanosecond times, the 2017 wire's request and logs), so
// nothing is lost on the way; chains and job statuses are the console model's (v2 jobs keep
// their names and tries). Version 1 files (2017 wire chains and statuses) are read too.
// Imported requests are read-only: the console marks them origin 'imported' and never sends an
// RM anything about them.

import { requestFields, type ChainView, type JobStatusRecord } from '../shared/console-model';
import type { JobLog, Request } from '../shared/proto';
import {
  decodeJobLogs,
  decodeJobStatus,
  decodeRequest,
  encodeJobLogs,
  encodeRequest,
  parseWire,
  type JsonObject,
} from '../shared/proto';
import type { Cache, StatusToCache } from './cache/cache';
import { chainFromJson } from './cache/chain-text';

export const EXPORT_FORMAT = 'spincycle-console-export';
export const EXPORT_VERSION = 2;
/** Versions this console reads. */
const READS = new Set([1, 2]);

export interface ExportedRequest {
  context: string;
  request: Request;
  args: JsonObject | null;
  chain: ChainView | null;
  statuses: StatusToCache[];
  logs: JobLog[];
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

function decodeStatuses(v: unknown, at: string): StatusToCache[] {
  if (v == null) return [];
  if (!Array.isArray(v)) throw new ImportError(`${at}: expected a list`);
  return v.map((item: unknown, i) => {
    const base = decodeJobStatus(item, `${at}[${i}]`);
    const { name = null, try: tryN = null } = item as { name?: unknown; try?: unknown };
    if (name !== null && typeof name !== 'string') throw new ImportError(`${at}[${i}].name: expected text or null`);
    if (tryN !== null && !Number.isSafeInteger(tryN))
      throw new ImportError(`${at}[${i}].try: expected a number or null`);
    return { ...base, name, try: tryN as number | null };
  });
}

/** Thrown for a file that is not a usable export; the message says what is wrong. */
export class ImportError extends Error {
  override name = 'ImportError';
}

function toWireRequest(cache: Cache, context: string, id: string): Request {
  const r = cache.getRequest(context, id);
  if (!r) throw new ImportError(`request ${id} is not in the cache of context ${context}`);
  return requestFields(r);
}

/** Every cached part of the given requests, as the text of one export file. */
export function exportRequests(cache: Cache, refs: ReadonlyArray<{ context: string; id: string }>): string {
  const parts = refs.map(({ context, id }) => {
    const request = toWireRequest(cache, context, id);
    const logs: JobLog[] = [];
    for (let offset = 0; ;) {
      const page = cache.jobLogs(context, id, offset, 1000);
      for (const l of page.items) {
        logs.push({ ...l, startedAt: BigInt(l.startedAt), finishedAt: BigInt(l.finishedAt) });
      }
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
    }
    const chain = cache.getChainText(context, id);
    const args = cache.getRequest(context, id)?.args ?? null;
    return [
      `{"context":${JSON.stringify(context)}`,
      `"request":${encodeRequest(request)}`,
      `"args":${JSON.stringify(args)}`,
      `"chain":${chain ?? 'null'}`,
      `"statuses":${JSON.stringify(cache.getStatuses(context, id).map(exportedStatus))}`,
      `"logs":${encodeJobLogs(logs)}}`,
    ].join(',');
  });
  return `{"format":"${EXPORT_FORMAT}","version":${EXPORT_VERSION},"exportedAt":"${new Date().toISOString()}","requests":[${parts.join(',')}]}\n`;
}

/** Reads an export file, validating every part before anything is written. */
export function parseExport(text: string): ExportedRequest[] {
  let doc: unknown;
  try {
    doc = parseWire(text);
  } catch (err) {
    throw new ImportError(`not an export file: ${(err as Error).message}`);
  }
  const d = doc as { format?: unknown; version?: unknown; requests?: unknown };
  if (typeof doc !== 'object' || doc === null || d.format !== EXPORT_FORMAT) {
    throw new ImportError(`not an export file: expected "format": "${EXPORT_FORMAT}"`);
  }
  if (!READS.has(d.version as number)) {
    throw new ImportError(
      `unsupported export version ${String(d.version)} (this console reads ${[...READS].join(' and ')})`,
    );
  }
  if (!Array.isArray(d.requests)) throw new ImportError('export file has no "requests" list');
  return d.requests.map((item: unknown, i) => {
    const at = `requests[${i}]`;
    const o = item as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) throw new ImportError(`${at}: expected an object`);
    if (typeof o.context !== 'string' || o.context === '') throw new ImportError(`${at}.context: expected a name`);
    try {
      const request = decodeRequest(o.request, `${at}.request`);
      if (request.id === '') throw new ImportError(`${at}.request.id: expected a request id`);
      return {
        context: o.context,
        request,
        args: (o.args as JsonObject | null) ?? null,
        chain: o.chain == null ? null : chainFromJson(o.chain, `${at}.chain`),
        statuses: decodeStatuses(o.statuses, `${at}.statuses`),
        logs: decodeJobLogs(o.logs ?? []),
      };
    } catch (err) {
      if (err instanceof ImportError) throw err;
      throw new ImportError(`${(err as Error).message}`);
    }
  });
}

/**
 * Imports an export file into the cache in one transaction: all of it, or nothing. A request
 * the cache already holds from a live RM is left as it is (the live copy is newer).
 */
export function importRequests(cache: Cache, text: string): Array<{ context: string; id: string }> {
  const items = parseExport(text).filter((it) => {
    const existing = cache.getRequest(it.context, it.request.id);
    return !existing || existing.origin === 'imported';
  });
  cache.db.transaction(() => {
    for (const it of items) {
      cache.putRequest(it.context, it.request, { args: it.args, origin: 'imported', syncedMs: 0 });
      if (it.chain) cache.putChain(it.context, it.chain);
      cache.putStatuses(it.context, it.request.id, it.statuses);
      cache.putJobLogs(it.context, it.logs);
    }
  })();
  return items.map((it) => ({ context: it.context, id: it.request.id }));
}
