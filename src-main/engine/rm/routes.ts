// The Request Manager's HTTP API (docs/protocol/wire.md §4.1): twelve routes under /api/v1/ onto
// RequestManager, bodies encoded by proto's Go-exact encoders, and our extensions
// (docs/protocol/extensions.md): `GET /api/v1/requests` finds requests with v2's query, and a
// request read or created carries its args as an additive key; the JR's epoch header on finish
// and job log, `PUT /api/v1/requests/:id/suspend` (a JR handing back; ownership.ts),
// `POST /api/v1/requests/:id/logs` (several job logs in one call; log-batch-route.ts),
// `GET /api/v1/caller` (who the caller is and what it may start and stop), the storage status,
// a job's live output (`GET /api/v1/requests/:id/output/:jobId`), and a request's history, its
// retry and its re-run (retry-routes.ts).
// Every route names its op: who may call it is decided by guard.ts before the handler runs.
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
  type Request,
} from '../../shared/proto';
import { CALLER_INFO_PATH } from '../../shared/caller-info';
import { encodeJobOutput } from '../../shared/live-output';
import { STORAGE_STATUS_PATH } from '../../shared/storage-status';
import type { AccessControl } from '../auth/access-control';
import type { AuthSubject } from '../auth/caller';
import { outputQuery } from '../http/output-query';
import { epochOf } from '../ownership';
import {
  HttpError,
  Router,
  emptyReply,
  jsonReply,
  textReply,
  type Handler,
  type Reply,
  type RouterOptions,
} from '../http/server';
import { encodeCallerInfo } from './caller-info';
import { jobLogBatchHandler } from './log-batch-route';
import { StartFailedError } from './errors';
import { requestManagerGuard, type JobRunnerCalls, type RequestManagerOp } from './guard';
import { parseFindQuery } from './find-query';
import { encodeRequestWithArgs } from './request-args';
import type { RequestManager } from './request-manager';
import { addRetryRoutes } from './retry-routes';

const API = '/api/v1';
/** How many requests a find matches in all, on its first page (v2 has no count; its clients ignore the header). */
export const TOTAL_HEADER = 'X-Total-Count';
const location = (id: string) => `${API}/requests/${id}`;

export type { JobRunnerCalls } from './guard';

export interface RequestManagerRouterOptions extends RouterOptions {
  /** Default 'unverified'. */
  jobRunnerCalls?: JobRunnerCalls;
  /** Auth (--auth, --auth-module); default none: everyone can do everything. */
  access?: AccessControl | null;
}

/** A stored request as authorization sees it: its type, user and the args it was created with. */
async function storedSubject(rm: RequestManager, id: string): Promise<AuthSubject> {
  const [request, args] = await Promise.all([rm.getRequest(id), rm.requestArgs(id)]);
  const given = Object.fromEntries(args.filter((a) => a.Given).map((a) => [a.Name, a.Value]));
  return { id, type: request.type, args: given, user: request.user };
}

export function requestManagerRouter(
  rm: RequestManager,
  options: RequestManagerRouterOptions = {},
): Router<RequestManagerOp> {
  const id = (params: Record<string, string>) => params.reqId as string;
  const calls = options.jobRunnerCalls ?? 'unverified';
  const access = options.access ?? null;
  const guard = requestManagerGuard({ access, jobRunnerCalls: calls, subject: (reqId) => storedSubject(rm, reqId) });
  const finish: Handler = async (req) => {
    const params = await req.json(decodeFinishRequestParams);
    const epoch = epochOf(req.headers);
    if (calls === 'unverified') await rm.finishRequestUnverified(id(req.params), params.State, epoch);
    else await rm.finishRequest(id(req.params), params.State, epoch);
    return emptyReply();
  };
  const router = new Router(guard, options)
    .add('POST', `${API}/requests`, 'create', async (req) => {
      const params = await req.json(decodeCreateRequestParams);
      // With auth, the request is the caller's, whatever User the body names.
      return created(rm, () => rm.createRequest(req.caller ? { ...params, User: req.caller.user } : params));
    })
    .add('GET', `${API}/requests`, 'read', async (req) => {
      const filter = parseFindQuery(req.query);
      const found = await rm.findRequests(filter);
      const body = `[${found.map((f) => encodeRequestWithArgs(f.request, f.args)).join(',')}]`;
      // The count is asked with the first page, where a client paging through starts.
      const total: Record<string, string> =
        filter.offset === 0 ? { [TOTAL_HEADER]: String(await rm.countRequests(filter)) } : {};
      return jsonReply(200, body, total);
    })
    .add('GET', `${API}/requests/:reqId`, 'read', async (req) => {
      const reqId = id(req.params);
      const [request, args] = await Promise.all([rm.getRequest(reqId), rm.requestArgs(reqId)]);
      return jsonReply(200, encodeRequestWithArgs(request, args));
    })
    .add('PUT', `${API}/requests/:reqId/start`, 'start', async (req) => {
      await rm.startRequest(id(req.params));
      return emptyReply();
    })
    .add('PUT', `${API}/requests/:reqId/finish`, 'job-runner', finish)
    .add('PUT', `${API}/requests/:reqId/suspend`, 'job-runner', async (req) => {
      const epoch = epochOf(req.headers);
      if (epoch === undefined) throw new HttpError(400, 'suspend needs the X-Spincycle-Epoch of the run');
      await rm.suspendRequest(id(req.params), epoch, calls === 'unverified');
      return emptyReply();
    })
    .add('PUT', `${API}/requests/:reqId/stop`, 'stop', async (req) => {
      await rm.stopRequest(id(req.params));
      return emptyReply();
    })
    .add('GET', `${API}/requests/:reqId/status`, 'read', async (req) =>
      jsonReply(200, encodeRequestStatus(await rm.requestStatus(id(req.params)))),
    )
    .add('GET', `${API}/requests/:reqId/job-chain`, 'read', async (req) =>
      jsonReply(200, await rm.jobChainJson(id(req.params))),
    )
    .add('POST', `${API}/requests/:reqId/log`, 'job-runner', async (req) => {
      const epoch = epochOf(req.headers);
      const log = await req.json(decodeJobLog);
      return jsonReply(201, encodeJobLog(await rm.createJobLog(id(req.params), log, epoch)));
    })
    .add('POST', `${API}/requests/:reqId/logs`, 'job-runner', jobLogBatchHandler(rm, options.onError))
    .add('GET', `${API}/requests/:reqId/log`, 'read', async (req) =>
      jsonReply(200, encodeJobLogs(await rm.jobLogs(id(req.params)))),
    )
    .add('GET', `${API}/requests/:reqId/log/:jobId`, 'read', async (req) =>
      jsonReply(200, encodeJobLog(await rm.latestJobLog(id(req.params), req.params.jobId as string))),
    )
    .add('GET', `${API}/request-list`, 'read', () => jsonReply(200, encodeRequestSpecs(rm.requestList())))
    .add('GET', CALLER_INFO_PATH, 'read', (req) =>
      jsonReply(
        200,
        encodeCallerInfo(
          req.caller,
          access,
          rm.requestList().map((s) => s.Name),
        ),
      ),
    )
    .add('GET', `${API}/status/running`, 'read', async () =>
      jsonReply(200, encodeRunningStatus(await rm.runningStatus())),
    )
    .add('GET', STORAGE_STATUS_PATH, 'read', async () => jsonReply(200, JSON.stringify(await rm.storageStatus())))
    // Ours: a job's output while it runs (from the JR that runs it), then its log's.
    .add('GET', `${API}/requests/:reqId/output/:jobId`, 'read', async (req) =>
      jsonReply(
        200,
        encodeJobOutput(await rm.jobOutput(id(req.params), req.params.jobId as string, outputQuery(req.query))),
      ),
    );
  return addRetryRoutes(router, rm, created);
}

/** R1's answers for a request made now: 201 with its args and Location, or 502 (it ended FAIL) with it. */
async function created(rm: RequestManager, make: () => Promise<Request>): Promise<Reply> {
  try {
    const request = await make();
    const body = encodeRequestWithArgs(request, await rm.requestArgs(request.id));
    return jsonReply(201, body, { Location: location(request.id) });
  } catch (err) {
    if (!(err instanceof StartFailedError)) throw err;
    return { ...textReply(502, err.message), headers: { Location: location(err.requestId) } };
  }
}
