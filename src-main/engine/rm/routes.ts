// The Request Manager's HTTP API (docs/protocol/wire.md §4.1): twelve routes under /api/v1/ onto
// RequestManager, bodies encoded by proto's Go-exact encoders, and our extensions
// (docs/protocol/extensions.md): `GET /api/v1/requests` finds requests with v2's query, and a
// request read or created carries its args as an additive key; the JR's epoch header on finish
// and job log, and `PUT /api/v1/requests/:id/suspend` (a JR handing back; ownership.ts); the
// storage status; a job's live output (`GET /api/v1/requests/:id/output/:jobId`).
// Statuses that differ from the original are listed in docs/compatibility.md.

import {
  decodeCreateRequestParams,
  decodeFinishRequestParams,
  decodeJobLog,
  encodeJobLog,
  encodeJobLogs,
  encodeRequestSpecs,
  encodeRequestStatus,
  encodeRunningStatus,
} from '../../shared/proto';
import { encodeJobOutput } from '../../shared/live-output';
import { STORAGE_STATUS_PATH } from '../../shared/storage-status';
import { outputQuery } from '../http/output-query';
import { peerOnly } from '../http/peer-only';
import { epochOf } from '../ownership';
import { HttpError, Router, emptyReply, jsonReply, textReply, type Handler, type RouterOptions } from '../http/server';
import { StartFailedError } from './errors';
import { parseFindQuery } from './find-query';
import { encodeRequestWithArgs } from './request-args';
import type { RequestManager } from './request-manager';

const API = '/api/v1';
/** How many requests a find matches in all, on its first page (v2 has no count; its clients ignore the header). */
export const TOTAL_HEADER = 'X-Total-Count';
const location = (id: string) => `${API}/requests/${id}`;

/**
 * Who may make the JR's calls, R4 finish and R8 job log, over HTTP:
 * - 'in-process': nobody; the JR runs in this process and calls the RM directly (`server`);
 * - `{ peerSecret }`: a JR holding the peer secret (`rm --peer-secret-file`);
 * - 'unverified': anyone, as with the original; a finish is taken only once the JR says it is
 *   done with the chain (RequestManager.finishRequestUnverified).
 */
export type JobRunnerCalls = 'in-process' | { peerSecret: string } | 'unverified';

export interface RequestManagerRouterOptions extends RouterOptions {
  /** Default 'unverified'. */
  jobRunnerCalls?: JobRunnerCalls;
}

const inProcessOnly: Handler = () => {
  throw new HttpError(
    403,
    "this request manager's job runner runs in its own process: only it logs jobs and finishes requests",
  );
};

export function requestManagerRouter(rm: RequestManager, options: RequestManagerRouterOptions = {}): Router {
  const id = (params: Record<string, string>) => params.reqId as string;
  const calls = options.jobRunnerCalls ?? 'unverified';
  /** A route only the JR calls. */
  const jrCall = (handler: Handler): Handler =>
    calls === 'in-process' ? inProcessOnly : calls === 'unverified' ? handler : peerOnly(calls.peerSecret, handler);
  const finish: Handler = async (req) => {
    const params = await req.json(decodeFinishRequestParams);
    const epoch = epochOf(req.headers);
    if (calls === 'unverified') await rm.finishRequestUnverified(id(req.params), params.State, epoch);
    else await rm.finishRequest(id(req.params), params.State, epoch);
    return emptyReply();
  };
  return (
    new Router(options)
      .add('POST', `${API}/requests`, async (req) => {
        const params = await req.json(decodeCreateRequestParams);
        try {
          const request = await rm.createRequest(params);
          const body = encodeRequestWithArgs(request, await rm.requestArgs(request.id));
          return jsonReply(201, body, { Location: location(request.id) });
        } catch (err) {
          if (!(err instanceof StartFailedError)) throw err;
          return { ...textReply(502, err.message), headers: { Location: location(err.requestId) } };
        }
      })
      .add('GET', `${API}/requests`, async (req) => {
        const filter = parseFindQuery(req.query);
        const found = await rm.findRequests(filter);
        const body = `[${found.map((f) => encodeRequestWithArgs(f.request, f.args)).join(',')}]`;
        // The count is asked with the first page, where a client paging through starts.
        const total: Record<string, string> =
          filter.offset === 0 ? { [TOTAL_HEADER]: String(await rm.countRequests(filter)) } : {};
        return jsonReply(200, body, total);
      })
      .add('GET', `${API}/requests/:reqId`, async (req) => {
        const reqId = id(req.params);
        const [request, args] = await Promise.all([rm.getRequest(reqId), rm.requestArgs(reqId)]);
        return jsonReply(200, encodeRequestWithArgs(request, args));
      })
      .add('PUT', `${API}/requests/:reqId/start`, async (req) => {
        await rm.startRequest(id(req.params));
        return emptyReply();
      })
      .add('PUT', `${API}/requests/:reqId/finish`, jrCall(finish))
      .add(
        'PUT',
        `${API}/requests/:reqId/suspend`,
        jrCall(async (req) => {
          const epoch = epochOf(req.headers);
          if (epoch === undefined) throw new HttpError(400, 'suspend needs the X-Spincycle-Epoch of the run');
          await rm.suspendRequest(id(req.params), epoch, calls === 'unverified');
          return emptyReply();
        }),
      )
      .add('PUT', `${API}/requests/:reqId/stop`, async (req) => {
        await rm.stopRequest(id(req.params));
        return emptyReply();
      })
      .add('GET', `${API}/requests/:reqId/status`, async (req) =>
        jsonReply(200, encodeRequestStatus(await rm.requestStatus(id(req.params)))),
      )
      .add('GET', `${API}/requests/:reqId/job-chain`, async (req) =>
        jsonReply(200, await rm.jobChainJson(id(req.params))),
      )
      .add(
        'POST',
        `${API}/requests/:reqId/log`,
        jrCall(async (req) => {
          const epoch = epochOf(req.headers);
          const log = await req.json(decodeJobLog);
          return jsonReply(201, encodeJobLog(await rm.createJobLog(id(req.params), log, epoch)));
        }),
      )
      .add('GET', `${API}/requests/:reqId/log`, async (req) =>
        jsonReply(200, encodeJobLogs(await rm.jobLogs(id(req.params)))),
      )
      .add('GET', `${API}/requests/:reqId/log/:jobId`, async (req) =>
        jsonReply(200, encodeJobLog(await rm.latestJobLog(id(req.params), req.params.jobId as string))),
      )
      .add('GET', `${API}/request-list`, () => jsonReply(200, encodeRequestSpecs(rm.requestList())))
      .add('GET', `${API}/status/running`, async () => jsonReply(200, encodeRunningStatus(await rm.runningStatus())))
      .add('GET', STORAGE_STATUS_PATH, async () => jsonReply(200, JSON.stringify(await rm.storageStatus())))
      // Ours: a job's output while it runs (from the JR that runs it), then its log's.
      .add('GET', `${API}/requests/:reqId/output/:jobId`, async (req) =>
        jsonReply(
          200,
          encodeJobOutput(await rm.jobOutput(id(req.params), req.params.jobId as string, outputQuery(req.query))),
        ),
      )
  );
}
