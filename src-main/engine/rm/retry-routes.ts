// Our RM's routes for day-2 operations (docs/protocol/extensions.md; the bodies in
// shared/rm-extensions.ts): a request's history, what a retry would run again, the retry, and
// the re-run (answered as R1 answers a create). An original client never calls them.

import {
  decodeActorParams,
  encodeRequestHistory,
  encodeRetryPlan,
  encodeRetryStarted,
} from '../../shared/rm-extensions';
import type { Request } from '../../shared/proto';
import { jsonReply, type Reply, type RouteRequest, type Router } from '../http/server';
import type { RequestManager } from './request-manager';

const REQUEST = '/api/v1/requests/:reqId';

/** Who asks for a retry or re-run: the body's User ({"User": …}); an empty body names no one. */
async function actor(req: RouteRequest): Promise<string> {
  if ((await req.text()).trim() === '') return '';
  return (await req.json(decodeActorParams)).User;
}

/** `created`: R1's answer for a request made by `make`. */
export function addRetryRoutes(
  router: Router,
  rm: RequestManager,
  created: (rm: RequestManager, make: () => Promise<Request>) => Promise<Reply>,
): Router {
  const id = (req: RouteRequest) => req.params.reqId as string;
  return router
    .add('GET', `${REQUEST}/history`, async (req) => jsonReply(200, encodeRequestHistory(await rm.history(id(req)))))
    .add('GET', `${REQUEST}/retry`, async (req) => jsonReply(200, encodeRetryPlan(await rm.retryPlan(id(req)))))
    .add('POST', `${REQUEST}/retry`, async (req) => {
      const user = await actor(req);
      return jsonReply(200, encodeRetryStarted(await rm.retryRequest(id(req), user)));
    })
    .add('POST', `${REQUEST}/rerun`, async (req) => {
      const user = await actor(req);
      return created(rm, () => rm.rerunRequest(id(req), user));
    });
}
