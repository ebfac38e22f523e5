// The cache worker: a worker thread that owns the console's SQLite cache and does all of its
// work (storing logs, indexing them, searching, reading slices of big logs) away from the
// event loop that serves the window. It answers the core's calls one at a time, in the order
// they came, and indexes newly stored log text in short slices while no call is coming.
// Started by cache-host.ts; built as its own entry (out/main/cache-worker.js).

import { parentPort, workerData } from 'node:worker_threads';
import type { RequestRef } from '../shared/console-model';
import { Cache } from './cache/cache';
import { summarizeCachedFailure } from './cached-failure';
import { PACKED_CALLS, type CacheWorkerConfig, type ErrorData, type FromWorker, type ToWorker } from './cache-api';
import { exportRequests, importRequests } from './export-import';

/**
 * What the core may call: each store's methods, summaries of cached failures, and export/import
 * (one transaction each).
 */
export function cacheApi(cache: Cache) {
  return {
    contexts: cache.contexts,
    requests: cache.requests,
    facts: cache.facts,
    failures: {
      summarizeCached: (context: string, id: string) => summarizeCachedFailure(cache, context, id),
    },
    chains: cache.chains,
    logs: cache.logs,
    search: cache.search,
    settings: cache.settings,
    live: cache.live,
    transfer: {
      exportRequests: (refs: readonly RequestRef[]) => exportRequests(cache, refs),
      importRequests: (text: string) => importRequests(cache, text),
    },
  };
}

/** How often the background indexer looks for new log text when it has caught up. */
const INDEX_EVERY_MS = 250;
/** Logs indexed per transaction: small, so a call waits at most one batch. */
const INDEX_BATCH = 100;
/** How long the indexer works before it lets waiting calls run. */
const INDEX_SLICE_MS = 15;
/** Calls come first: the indexer waits until none has come for this long (a search indexes what it needs). */
const QUIET_MS = 20;

const port = parentPort;
if (!port) throw new Error('cache-worker.ts runs as a worker thread (started by cache-host.ts)');
const post = (message: FromWorker) => port.postMessage(message);

function errorData(err: unknown): ErrorData {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
}

const config = workerData as CacheWorkerConfig;
const cache = new Cache(config.file, config.nativeBinding ? { nativeBinding: config.nativeBinding } : {});
const api = cacheApi(cache);
post({ kind: 'opened', ...(cache.recovered ? { recovered: cache.recovered } : {}) });

let lastProblem = '';
let next: { timer: NodeJS.Timeout } | { immediate: NodeJS.Immediate } | null = null;

let lastCallAt = 0;

/** Indexes pending log text for one slice of time; comes back at once while more is pending. */
function indexSome(): void {
  const quietFor = performance.now() - lastCallAt;
  if (quietFor < QUIET_MS) {
    next = { timer: setTimeout(indexSome, QUIET_MS - quietFor) };
    return;
  }
  let more = false;
  try {
    const until = performance.now() + INDEX_SLICE_MS;
    do more = cache.search.indexPending(INDEX_BATCH) === INDEX_BATCH;
    while (more && performance.now() < until);
    lastProblem = '';
  } catch (err) {
    // Disk full, say: the logs stay pending and a search indexes them (or says why it cannot).
    const message = `indexing cached log text failed: ${errorData(err).message}`;
    if (message !== lastProblem) post({ kind: 'problem', message });
    lastProblem = message;
  }
  next = more ? { immediate: setImmediate(indexSome) } : { timer: setTimeout(indexSome, INDEX_EVERY_MS) };
}
next = { timer: setTimeout(indexSome, INDEX_EVERY_MS) };

function stopIndexing(): void {
  if (next && 'timer' in next) clearTimeout(next.timer);
  if (next && 'immediate' in next) clearImmediate(next.immediate);
  next = null;
}

port.on('message', (m: ToWorker) => {
  if (m.kind === 'close') {
    stopIndexing();
    cache.close();
    post({ kind: 'closed' });
    port.close();
    return;
  }
  lastCallAt = performance.now();
  try {
    const store = api[m.store] as unknown as Record<string, (...args: unknown[]) => unknown>;
    const fn = store[m.method];
    if (typeof fn !== 'function') throw new Error(`the cache has no ${m.store}.${m.method}()`);
    const packing = PACKED_CALLS[`${m.store}.${m.method}`];
    post({ kind: 'reply', id: m.id, ok: true, value: fn.apply(store, packing ? packing.unpack(m.args) : m.args) });
  } catch (err) {
    post({ kind: 'reply', id: m.id, ok: false, error: errorData(err) });
  }
});
