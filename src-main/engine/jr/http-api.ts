// The Job Runner's HTTP API (docs/protocol/wire.md §5): J1-J4 on a Router, answering exactly
// like the original (empty 200 bodies, `Location: <hostname>/api/v1/job-chains/<id>` on J1,
// plain-text errors) — except that an invalid chain is a 400 with the validation text instead
// of a crash — and, ours, a running job's live output.
// Every route is a call only an RM makes (op 'rm'): with a peer token, only a caller holding it
// is answered; on `server --auth` without one, nobody is (its RM is in its process).
// Ours beyond the 2017 protocol (links.ts): the epoch header on J1, POST
// /api/v1/job-chains/resume, GET /api/v1/job-runner (cluster-wire.ts).

import os from 'node:os';
import { encodeJobOutput } from '../../shared/live-output';
import { decodeJobChain, encodeJobChainStatus, encodeJobStatusList } from '../../shared/proto';
import { outputQuery } from '../http/output-query';
import { checkPeerToken } from '../http/peer-only';
import { HttpError, Router, emptyReply, jsonReply, type Guard, type RouterOptions } from '../http/server';
import { JOB_NOT_RUNNING, LinkError, type JobRunnerLink } from '../links';
import { epochOf } from '../ownership';
import { decodeResumedChain, encodeRunnerInfo } from './cluster-wire';

export interface JobRunnerRouterOptions extends RouterOptions {
  /** The host name in J1's Location header (default: the OS host name, as the original). */
  hostname?: string;
  /** When set, every call must carry it (peer-only.ts): the JR takes chains only from its RMs. */
  peerSecret?: string;
  /** Without a peer secret: answer nobody (403). For `server --auth`, whose RM calls its JR in process. */
  closed?: boolean;
}

/** The ops of a JR's routes: every one is a call of an RM. */
export type JobRunnerOp = 'rm';

function jobRunnerGuard(options: JobRunnerRouterOptions): Guard<JobRunnerOp> {
  const secret = options.peerSecret;
  return (_op, req) => {
    if (secret !== undefined) checkPeerToken(secret, req.headers);
    else if (options.closed) {
      throw new HttpError(403, 'this job runner takes chains only from the request manager in its own process');
    }
    return null;
  };
}

/** A LinkError with a status is the answer the original gave; anything else is a 500. */
async function answering<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof LinkError && err.status !== undefined) throw new HttpError(err.status, err.message);
    throw err;
  }
}

export function jobRunnerRouter(jr: JobRunnerLink, options: JobRunnerRouterOptions = {}): Router<JobRunnerOp> {
  const hostname = options.hostname ?? os.hostname();
  const router = new Router(jobRunnerGuard(options), options);

  router.add('POST', '/api/v1/job-chains', 'rm', async (req) => {
    const epoch = epochOf(req.headers);
    const chain = await req.json(decodeJobChain);
    await answering(() => jr.createJobChain(chain, epoch));
    return emptyReply(200, { Location: `${hostname}/api/v1/job-chains/${chain.requestId}` });
  });

  const { resumeJobChain, describe } = jr;
  if (resumeJobChain) {
    router.add('POST', '/api/v1/job-chains/resume', 'rm', async (req) => {
      const resumed = await req.json(decodeResumedChain);
      await answering(() => resumeJobChain.call(jr, resumed));
      return emptyReply(200, { Location: `${hostname}/api/v1/job-chains/${resumed.chain.requestId}` });
    });
  }
  if (describe) {
    router.add('GET', '/api/v1/job-runner', 'rm', async () =>
      jsonReply(200, encodeRunnerInfo(await describe.call(jr))),
    );
  }

  router.add('PUT', '/api/v1/job-chains/:requestId/stop', 'rm', async (req) => {
    await answering(() => jr.stopJobChain(req.params.requestId as string));
    return emptyReply(200);
  });

  router.add('GET', '/api/v1/job-chains/:requestId/status', 'rm', async (req) => {
    const status = await answering(() => jr.jobChainStatus(req.params.requestId as string));
    return jsonReply(200, encodeJobChainStatus(status));
  });

  // Ours (docs/protocol/extensions.md): the running try's output, from the offsets asked for.
  router.add('GET', '/api/v1/job-chains/:requestId/output/:jobId', 'rm', async (req) => {
    const query = outputQuery(req.query);
    const output = await answering(
      async () => (await jr.jobOutput?.(req.params.requestId as string, req.params.jobId as string, query)) ?? null,
    );
    if (output === null) throw new HttpError(404, JOB_NOT_RUNNING);
    return jsonReply(200, encodeJobOutput(output));
  });

  router.add('GET', '/api/v1/status/running', 'rm', async () => {
    const running = await answering(() => jr.runningStatus());
    return jsonReply(200, encodeJobStatusList(running));
  });

  return router;
}
