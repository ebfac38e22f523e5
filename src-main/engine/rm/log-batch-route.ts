// The RM's handler of `POST /api/v1/requests/:reqId/logs` (ours, log-batch-wire.ts): several
// job logs of one request in one call, each stored or refused as R8 would have it alone, their
// writes in one transaction. Guarded as R8 is (the 'job-runner' op, routes.ts).

import { WireError, type JobLog } from '../../shared/proto';
import { errorAnswer, jsonReply, type Handler, type RouterOptions } from '../http/server';
import { STORED, decodeJobLogBatch, encodeLogOutcomes, type LogOutcome } from '../log-batch-wire';
import { epochOf } from '../ownership';
import type { RequestManager } from './request-manager';

export function jobLogBatchHandler(rm: RequestManager, onError?: RouterOptions['onError']): Handler {
  return async (req) => {
    const epoch = epochOf(req.headers);
    const entries = await req.json(decodeJobLogBatch);
    const logs = entries.filter((e): e is JobLog => !(e instanceof WireError));
    const results = await rm.createJobLogs(req.params.reqId as string, logs, epoch);
    let next = 0;
    const outcomes = entries.map((entry): LogOutcome => {
      const result = entry instanceof WireError ? entry : results[next++];
      if (!(result instanceof Error)) return STORED;
      const { status, text, unexpected } = errorAnswer(result);
      if (unexpected) onError?.(result, { method: req.method, path: req.path });
      return { status, error: text };
    });
    return jsonReply(200, encodeLogOutcomes(outcomes));
  };
}
