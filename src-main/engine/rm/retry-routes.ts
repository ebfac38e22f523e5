// Our RM's routes for day-2 operations (docs/protocol/extensions.md; the bodies in
// shared/rm-extensions.ts): a request's history, what a retry would run again, the retry, and
// the re-run (answered as R1 answers a create). An original client never calls them.
// Who may: reading is 'read'; a retry or a re-run starts the stored request's type with its
// args again, so it is 'start' on that request (guard.ts). With auth the caller is who asks,
// whatever User the body names.

import {
  decodeActorParams,
  encodeRequestHistory,
  encodeRetryPlan,
  encodeRetryStarted,
} from '../../shared/rm-extensions';
import type { Request } from '../../shared/proto';
import { jsonReply, type Reply, type RouteRequest, type Router } from '../http/server';
import type { RequestManagerOp } from './guard';
import type { RequestManager } from './request-manager';

const REQUEST = '/api/v1/requests/:reqId';

/** Who asks for a retry or re-run: the caller auth named, else the body's User ({"User": …}; none: ''). */
async function actor(req: RouteRequest): Promise<string> {
  const user = (await req.text()).trim() === '' ? '' : (await req.json(decodeActorParams)).User;
  return req.caller ? req.caller.user : user;
}

/** `created`: R1's answer for a request made by `make`. */
export function addRetryRoutes(
  router: Router<RequestManagerOp>,
  rm: RequestManager,
  created: (rm: RequestManager, make: () => Promise<Request>) => Promise<Reply>,
): Router<RequestManagerOp> {
  const id = (req: RouteRequest) => req.params.reqId as string;
  return router
    .add('GET', `${REQUEST}/history`, 'read', async (req) =>
      jsonReply(200, encodeRequestHistory(await rm.history(id(req)))),
    )
    .add('GET', `${REQUEST}/retry`, 'read', async (req) => jsonReply(200, encodeRetryPlan(await rm.retryPlan(id(req)))))
    .add('POST', `${REQUEST}/retry`, 'start', async (req) => {
      const user = await actor(req);
      return jsonReply(200, encodeRetryStarted(await rm.retryRequest(id(req), user)));
    })
    .add('POST', `${REQUEST}/rerun`, 'start', async (req) => {
      const user = await actor(req);
      return created(rm, () => rm.rerunRequest(id(req), user));
    });
}
