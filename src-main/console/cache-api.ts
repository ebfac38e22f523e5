// What the console core may ask of its cache worker (cacheApi in cache-worker.ts: the cache's
// stores, and export/import), and the messages between them. A call names a store and one of
// its methods; arguments and results cross the thread boundary by structured clone (bigints,
// Sets and Uint8Arrays included). On the core's side every method returns a promise
// (RemoteCache). The store names and how a batch of logs is packed are the only code here: the
// core's bundle holds no cache code.

import { fromJobLogRow, toJobLogRow, type JobLogRow } from './cache/job-log-row';
import type { cacheApi } from './cache-worker';

export type CacheApi = ReturnType<typeof cacheApi>;
export type StoreName = keyof CacheApi;

/** Every store's name, for the core's side (which holds no store). */
export const STORE_NAMES = Object.keys({
  contexts: true,
  requests: true,
  facts: true,
  failures: true,
  chains: true,
  logs: true,
  search: true,
  settings: true,
  live: true,
  transfer: true,
} satisfies Record<StoreName, true>) as StoreName[];

type Method = (...args: never[]) => unknown;

/** A store as the core sees it: each method's result as a promise. */
export type RemoteStore<T> = {
  readonly [M in keyof T as T[M] extends Method ? M : never]: T[M] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<R>
    : never;
};

export type RemoteCache = { readonly [S in StoreName]: RemoteStore<CacheApi[S]> };

/** How the worker opens the cache. */
export interface CacheWorkerConfig {
  file: string;
  /** better-sqlite3's compiled addon for this runtime (Electron keeps its own build). */
  nativeBinding?: string;
}

// ---- messages ----

interface Packing {
  pack(args: unknown[]): unknown[];
  unpack(args: unknown[]): unknown[];
}

type PutLogsArgs = Parameters<RemoteCache['logs']['put']>;

/**
 * Calls whose arguments travel packed (the core packs, the worker unpacks), by `store.method`:
 * the sync stores job logs in batches of thousands, which cross as rows (JobLogRow).
 */
export const PACKED_CALLS: Readonly<Record<string, Packing>> = {
  'logs.put': {
    pack: (args) => {
      const [context, logs] = args as PutLogsArgs;
      return [context, logs.map(toJobLogRow)];
    },
    unpack: ([context, rows]) => [context, (rows as JobLogRow[]).map(fromJobLogRow)],
  },
};

export interface CallMessage {
  kind: 'call';
  id: number;
  store: StoreName;
  method: string;
  args: unknown[];
}

export interface CloseMessage {
  kind: 'close';
}

export type ToWorker = CallMessage | CloseMessage;

/** A failure as it crosses the thread boundary: enough to rethrow it with its name and code. */
export interface ErrorData {
  name: string;
  message: string;
  /** SQLite's error code (e.g. SQLITE_FULL), when it has one. */
  code?: string;
}

export type FromWorker =
  | { kind: 'opened'; recovered?: { movedTo: string; reason: string } }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: ErrorData }
  /** Background work that failed (indexing); the worker carries on. */
  | { kind: 'problem'; message: string }
  | { kind: 'closed' };
