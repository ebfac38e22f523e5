// The Request Manager's HTTP API (docs/protocol/wire.md §4.1): twelve routes under /api/v1/ onto
// RequestManager, bodies encoded by proto's Go-exact encoders. Statuses that differ from the
// original are listed in docs/compatibility.md. Plus our extensions (docs/protocol/extensions.md):
// the storage status, a request's history, retry and re-run.

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
  type Request,
} from '../../shared/proto';
import { STORAGE_STATUS_PATH } from '../../shared/storage-status';
import {
  decodeActorParams,
  encodeRequestHistory,
  encodeRetryPlan,
  encodeRetryStarted,
} from '../../shared/rm-extensions';
import { peerOnly } from '../http/peer-only';
import {
  HttpError,
  Router,
  emptyReply,
  jsonReply,
  textReply,
  type Handler,
  type RouteRequest,
  type RouterOptions,
} from '../http/server';
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

/** Who asks for a retry or re-run: the body's User ({"User": …}); an empty body names no one. */
async function actor(req: RouteRequest): Promise<string> {
  if ((await req.text()).trim() === '') return '';
  return (await req.json(decodeActorParams)).User;
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
  /** R1's answers for a request made now: 201 with its Location, or 502 (it ended FAIL) with it. */
  const created = async (make: () => Promise<Request>) => {
    try {
      const request = await make();
      return jsonReply(201, encodeRequest(request), { Location: location(request.id) });
    } catch (err) {
      if (!(err instanceof StartFailedError)) throw err;
      return { ...textReply(502, err.message), headers: { Location: location(err.requestId) } };
    }
  };
  return new Router(options)
    .add('POST', `${API}/requests`, async (req) => {
      const params = await req.json(decodeCreateRequestParams);
      return created(() => rm.createRequest(params));
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
    .add('GET', `${API}/requests/:reqId/history`, (req) =>
      jsonReply(200, encodeRequestHistory(rm.history(id(req.params)))),
    )
    .add('GET', `${API}/requests/:reqId/retry`, async (req) =>
      jsonReply(200, encodeRetryPlan(await rm.retryPlan(id(req.params)))),
    )
    .add('POST', `${API}/requests/:reqId/retry`, async (req) => {
      const user = await actor(req);
      return jsonReply(200, encodeRetryStarted(await rm.retryRequest(id(req.params), user)));
    })
    .add('POST', `${API}/requests/:reqId/rerun`, async (req) => {
      const user = await actor(req);
      return created(() => rm.rerunRequest(id(req.params), user));
    });
}
