// Why a failed request failed, from what the cache already holds (its job statuses and its
// failed jobs' last tries): for imported requests, and requests cached before the console kept
// failure summaries. Runs in the cache worker, beside the cache; the sync summarizes what it
// reads from an RM itself (context-sync.ts).

import type { FailureSummary } from '../shared/console-model';
import { STATE_FAIL, STATE_TIMEOUT } from '../shared/proto';
import type { Cache } from './cache/cache';
import { summarizeFailure } from './failure';

/** Summarizes and stores why a cached request failed; null if it is not a cached failed request. */
export function summarizeCachedFailure(cache: Cache, context: string, id: string): FailureSummary | null {
  const state = cache.requests.get(context, id)?.state;
  if (state !== STATE_FAIL && state !== STATE_TIMEOUT) return null;
  const summary = summarizeFailure(cache.chains.statuses(context, id), (jobId) =>
    cache.logs.lastTry(context, id, jobId),
  );
  cache.facts.setFailure(context, id, summary);
  return summary;
}
