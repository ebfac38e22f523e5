// The Request Manager's HTTP API (docs/protocol/wire.md §4.1): twelve routes under /api/v1/ onto
// RequestManager, bodies encoded by proto's Go-exact encoders, and our additions (storage
// status, live output: docs/protocol/extensions.md). Statuses that differ from the original
// are listed in docs/compatibility.md.

import {
  decodeCreateRequestParams,
  decodeFinishRequestParams,
  decodeJobLog,
  encodeJobLog,
  encodeJobLogs,
  encodeRequest,
  encodeRequestSpecs,
  encodeRequestStatus,
  encodeRunningStatus,
} from '../../shared/proto';
import { encodeJobOutput } from '../../shared/live-output';
import { STORAGE_STATUS_PATH } from '../../shared/storage-status';
import { outputQuery } from '../http/output-query';
import { peerOnly } from '../http/peer-only';
import { HttpError, Router, emptyReply, jsonReply, textReply, type Handler, type RouterOptions } from '../http/server';
import { StartFailedError } from './errors';
import type { RequestManager } from './request-manager';

const API = '/api/v1';
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
    if (calls === 'unverified') await rm.finishRequestUnverified(id(req.params), params.State);
    else rm.finishRequest(id(req.params), params.State);
    return emptyReply();
  };
  return (
    new Router(options)
      .add('POST', `${API}/requests`, async (req) => {
        const params = await req.json(decodeCreateRequestParams);
        try {
          const request = await rm.createRequest(params);
          return jsonReply(201, encodeRequest(request), { Location: location(request.id) });
        } catch (err) {
          if (!(err instanceof StartFailedError)) throw err;
          return { ...textReply(502, err.message), headers: { Location: location(err.requestId) } };
        }
      })
      .add('GET', `${API}/requests/:reqId`, (req) => jsonReply(200, encodeRequest(rm.getRequest(id(req.params)))))
      .add('PUT', `${API}/requests/:reqId/start`, async (req) => {
        await rm.startRequest(id(req.params));
        return emptyReply();
      })
      .add('PUT', `${API}/requests/:reqId/finish`, jrCall(finish))
      .add('PUT', `${API}/requests/:reqId/stop`, async (req) => {
        await rm.stopRequest(id(req.params));
        return emptyReply();
      })
      .add('GET', `${API}/requests/:reqId/status`, async (req) =>
        jsonReply(200, encodeRequestStatus(await rm.requestStatus(id(req.params)))),
      )
      .add('GET', `${API}/requests/:reqId/job-chain`, (req) => jsonReply(200, rm.jobChainJson(id(req.params))))
      .add(
        'POST',
        `${API}/requests/:reqId/log`,
        jrCall(async (req) => {
          const log = await req.json(decodeJobLog);
          return jsonReply(201, encodeJobLog(await rm.createJobLog(id(req.params), log)));
        }),
      )
      .add('GET', `${API}/requests/:reqId/log`, (req) => jsonReply(200, encodeJobLogs(rm.jobLogs(id(req.params)))))
      .add('GET', `${API}/requests/:reqId/log/:jobId`, (req) =>
        jsonReply(200, encodeJobLog(rm.latestJobLog(id(req.params), req.params.jobId as string))),
      )
      .add('GET', `${API}/request-list`, () => jsonReply(200, encodeRequestSpecs(rm.requestList())))
      .add('GET', `${API}/status/running`, async () => jsonReply(200, encodeRunningStatus(await rm.runningStatus())))
      .add('GET', STORAGE_STATUS_PATH, () => jsonReply(200, JSON.stringify(rm.storageStatus())))
      // Ours (docs/protocol/extensions.md): a job's output while it runs, then its log's.
      .add('GET', `${API}/requests/:reqId/output/:jobId`, async (req) =>
        jsonReply(
          200,
          encodeJobOutput(await rm.jobOutput(id(req.params), req.params.jobId as string, outputQuery(req.query))),
        ),
      )
  );
}
