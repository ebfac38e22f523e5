// Who may call each Request Manager route: every route names one of these ops (routes.ts), and
// the guard decides before the handler runs, in this one place:
// - 'read': anyone, or with auth any caller it names;
// - 'create': with auth, a caller the new request's type lets start it (its type and args are
//   read from the body);
// - 'start', 'stop': with auth, a caller the stored request's type lets start (stop) it;
// - 'job-runner': the JR's own calls (finish, job log, suspend), by JobRunnerCalls.
// Refusals: 401 for a caller auth cannot name or may not do this (upstream's status for both),
// with a WWW-Authenticate header; 403 for a JR call to an RM whose JR runs in its process.

import { decodeCreateRequestParams } from '../../shared/proto';
import type { AccessControl } from '../auth/access-control';
import { AuthError, type AuthSubject, type Caller } from '../auth/caller';
import { checkPeerToken } from '../http/peer-only';
import { HttpError, type Guard, type RouteRequest } from '../http/server';

export type RequestManagerOp = 'read' | 'create' | 'start' | 'stop' | 'job-runner';

/**
 * Who may make the JR's calls, R4 finish and R8 job log, over HTTP:
 * - 'in-process': nobody; the JR runs in this process and calls the RM directly (`server`);
 * - `{ peerSecret }`: a JR holding the peer token (`rm --peer-token-file`);
 * - 'unverified': anyone, as with the original; a finish is taken only once the JR says it is
 *   done with the chain (RequestManager.finishRequestUnverified).
 */
export type JobRunnerCalls = 'in-process' | { peerSecret: string } | 'unverified';

export interface RequestManagerGuardOptions {
  /** Auth (--auth, --auth-module); null: everyone can do everything. */
  access: AccessControl | null;
  jobRunnerCalls: JobRunnerCalls;
  /** A stored request as authorization sees it (404 when there is none). */
  subject(id: string): Promise<AuthSubject>;
}

/** The 401 answer for an AuthError, as RFC 6750 words a bearer-token refusal. */
export function authRefusal(err: AuthError): HttpError {
  const detail = err.tokenError ? `, error="${err.tokenError}"` : '';
  return new HttpError(401, err.message, { 'WWW-Authenticate': `Bearer realm="spincycle"${detail}` });
}

const inProcessOnly = () =>
  new HttpError(
    403,
    "this request manager's job runner runs in its own process: only it logs jobs and finishes requests",
  );

function authRequest(req: RouteRequest) {
  return { method: req.method, path: req.path, headers: req.headers, remoteAddress: req.remoteAddress };
}

/** The request a create would make, as authorization sees it: the caller is its user, whatever the body says. */
async function newSubject(req: RouteRequest, caller: Caller): Promise<AuthSubject> {
  const params = await req.json(decodeCreateRequestParams);
  return { id: null, type: params.Type, args: params.Args ?? {}, user: caller.user };
}

export function requestManagerGuard(options: RequestManagerGuardOptions): Guard<RequestManagerOp> {
  const { access, jobRunnerCalls } = options;
  const authorized = async (access: AccessControl, op: RequestManagerOp, req: RouteRequest): Promise<Caller> => {
    try {
      const caller = await access.authenticate(authRequest(req));
      if (op === 'read') return caller;
      const subject =
        op === 'create' ? await newSubject(req, caller) : await options.subject(req.params.reqId as string);
      await access.authorize(caller, op === 'stop' ? 'stop' : 'start', subject);
      return caller;
    } catch (err) {
      throw err instanceof AuthError ? authRefusal(err) : err;
    }
  };
  // Synchronous where nothing is to be awaited: the JR's job logs are the engine's hot path.
  return (op, req) => {
    if (op === 'job-runner') {
      if (jobRunnerCalls === 'in-process') throw inProcessOnly();
      if (jobRunnerCalls !== 'unverified') checkPeerToken(jobRunnerCalls.peerSecret, req.headers);
      return null;
    }
    return access === null ? null : authorized(access, op, req);
  };
}
