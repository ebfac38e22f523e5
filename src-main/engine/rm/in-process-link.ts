// The RM as a RequestManagerLink for a JR in the same process (`spincycle server`): the JR's
// job logs and finish calls go straight to RequestManager, with the same checks as over HTTP,
// and failures come back as LinkErrors carrying the status the HTTP API would have answered.
// Job logs are queued, not awaited (RequestManager.queueJobLog): the fast path of `server`.

import { HttpError } from '../http/server';
import { LinkError, type RequestManagerLink } from '../links';
import type { JobLog, State } from '../../shared/proto';
import type { RequestManager } from './request-manager';

function asLinkError(err: unknown): never {
  if (err instanceof HttpError) throw new LinkError(err.message, err.status);
  throw err;
}

export function inProcessRequestManagerLink(rm: RequestManager): RequestManagerLink {
  return {
    async createJobLog(requestId: string, log: JobLog): Promise<void> {
      try {
        const queued = rm.queueJobLog(requestId, log);
        if (queued) await queued;
      } catch (err) {
        asLinkError(err);
      }
    },
    async finishRequest(requestId: string, state: State): Promise<void> {
      try {
        await rm.finishRequest(requestId, state);
      } catch (err) {
        asLinkError(err);
      }
    },
  };
}
