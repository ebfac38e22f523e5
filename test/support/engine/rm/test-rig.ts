// For the RM's tests (not used by the engine): a real Request Manager and a real Job Runner on
// loopback, each reaching the other only over HTTP (JobRunnerHttpLink, RequestManagerHttpLink),
// the real grapher over spec files in a temp folder, a real SQLite store. Plus the ways a JR
// goes wrong that a test needs on demand: it goes down (its listener closes: connection
// refused), it comes back empty (a fresh JR on the same port: it answers 404 for the chains of
// the one before), or a misbehaving peer answers on its port (for answers no real JR gives).

import http from 'node:http';
import { loadSpecs } from '../../../../src-main/engine/grapher';
import { listen, type Listening } from '../../../../src-main/engine/http/server';
import { builtinJobTypes } from '../../../../src-main/engine/jobs/builtins';
import { JobFactory } from '../../../../src-main/engine/jobs/job';
import {
  createJobRunner,
  jobRunnerRouter,
  RequestManagerHttpLink,
  type JobRunner,
} from '../../../../src-main/engine/jr';
import { silentLogger, type Logger } from '../../../../src-main/engine/log';
import { SqliteStore } from '../../../../src-main/engine/store/store';
import { JobRunnerPool } from '../../../../src-main/engine/rm/job-runner-pool';
import { RmClient, type Answer } from '../integration/rm-client';
import { freePort, tempDir } from '../integration/test-engine';
import { GrapherChainBuilder } from '../../../../src-main/engine/rm/grapher-chain-builder';
import { JobRunnerHttpLink } from '../../../../src-main/engine/rm/jr-http-link';
import { RequestManager } from '../../../../src-main/engine/rm/request-manager';
import { requestManagerRouter } from '../../../../src-main/engine/rm/routes';

/**
 * Request types of the RM tests. Job ids count from 1 per request: start@1, end@2, the job @3.
 * - hello: one shell job `echo hi` (done in a moment);
 * - greet: required arg `msg`, echoed;
 * - nap: a 300 s sleep job (RUNNING until stopped; stops at once);
 * - flaky: a shell job that fails, then waits 300 s to retry (RUNNING, one FAIL try logged).
 */
export const RM_TEST_SPECS = `noop-node:
  category: job
  type: noop
sequences:
  hello:
    nodes:
      hello:
        category: job
        type: shell
        args:
          - {expected: cmd, value: echo hi}
  greet:
    args:
      required:
        - {name: msg, desc: what to say}
    nodes:
      greet:
        category: job
        type: shell
        args:
          - {expected: cmd, value: 'echo "$ARG_msg"'}
          - {expected: msg, given: msg}
  nap:
    nodes:
      nap:
        category: job
        type: sleep
        args:
          - {expected: seconds, value: 300}
  flaky:
    nodes:
      flaky:
        category: job
        type: shell
        retry: 1
        retryWait: 300000
        args:
          - {expected: cmd, value: exit 1}
`;

/** A temp spec folder holding RM_TEST_SPECS; remove() deletes it. */
export const rmTestSpecs = () => tempDir({ 'rm-test.yaml': RM_TEST_SPECS });

export interface RigOptions {
  specsDir: string;
  /** SQLite file path (default ':memory:'). */
  database?: string;
  /** Passed to RequestManager. */
  now?: () => number;
  stopSettleMs?: number;
  /** The RM's body limit. */
  maxBodyBytes?: number;
  logger?: Logger;
  /** Told of every call the RM receives, before it is answered. */
  onCall?: (method: string, path: string) => void;
}

export interface Rig {
  rm: RequestManager;
  store: SqliteStore;
  /** The RM's client of the JR (what the RM and a reaper use). */
  jrLink: JobRunnerHttpLink;
  rmUrl: string;
  jrUrl: string;
  /** An HTTP client of the RM. */
  client: RmClient;
  /** GET on the JR's API. */
  jrGet(path: string): Promise<Answer>;
  /** The JR goes down: its listener closes (its chains live on in memory, unreachable). */
  jobRunnerDown(): Promise<void>;
  /** The JR goes down and a fresh one (knowing no chain) starts on the same port. */
  restartJobRunner(): Promise<void>;
  /** The JR goes down and `peer` answers on its port instead. */
  replaceJobRunner(peer: http.RequestListener): Promise<void>;
  /** The RM's listener closes (the JR can no longer deliver to it). */
  rmDown(): Promise<void>;
  /** Polls until `check` holds (15 s at most; throws naming `what` after that). */
  until(what: string, check: () => boolean | Promise<boolean>): Promise<void>;
  /**
   * The whole engine dies: the RM's listener closes first, then the JRs stop without anything
   * reaching the RM, then the database closes (RUNNING requests stay RUNNING in it).
   */
  crash(): Promise<void>;
  /** Closes everything (JRs first, without waiting long for their deliveries). Idempotent. */
  close(): Promise<void>;
}

export async function startRig(opts: RigOptions): Promise<Rig> {
  const logger = opts.logger ?? silentLogger;
  const factory = new JobFactory(builtinJobTypes());
  const specs = await loadSpecs(opts.specsDir, factory);
  const store = new SqliteStore(opts.database ?? ':memory:');
  const rmPort = await freePort();
  const rmUrl = `http://127.0.0.1:${rmPort}`;

  const jobRunners: JobRunner[] = [];
  let jrListener: { close(): Promise<void> } | undefined;
  const startJr = async (addr: string) => {
    const jr = createJobRunner({ factory, rm: new RequestManagerHttpLink(rmUrl), logger });
    jobRunners.push(jr);
    const listening = await listen(jobRunnerRouter(jr), addr);
    jrListener = listening;
    return listening.url;
  };
  const jrUrl = await startJr('127.0.0.1:0');
  const jrAddr = jrUrl.replace(/^http:\/\//, '');

  const jrLink = new JobRunnerHttpLink(jrUrl);
  // Not probed: the tests decide what the JR says and when (an original JR's behaviour, J3).
  const rm = new RequestManager({
    store,
    jobRunners: new JobRunnerPool([jrUrl], { linkFor: () => jrLink }),
    builder: new GrapherChainBuilder(specs, factory),
    logger,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.stopSettleMs !== undefined ? { stopSettleMs: opts.stopSettleMs } : {}),
  });
  const rmRouter = requestManagerRouter(rm, opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {});
  const onCall = opts.onCall;
  let rmListener: Listening | undefined = await listen(
    onCall
      ? {
          listener: (req, res) => {
            onCall(req.method ?? '', req.url ?? '');
            rmRouter.listener(req, res);
          },
        }
      : rmRouter,
    `127.0.0.1:${rmPort}`,
  );

  const jobRunnerDown = async () => {
    if (!jrListener) return;
    await jrListener.close();
    jrListener = undefined;
    // Until the client side has seen the close, a kept-alive connection to the JR may still be
    // picked for the next call (which then fails with "other side closed" instead of being
    // refused, or reaches a JR started on the port since). Probe until a call is refused.
    for (let attempt = 1; ; attempt++) {
      const refusal = await fetch(`${jrUrl}/api/v1/status/running`).then(
        () => new Error('the job runner still answers after its listener closed'),
        (e: unknown) => e as Error,
      );
      const code = (refusal.cause as { code?: string } | undefined)?.code;
      if (code === 'ECONNREFUSED') return;
      if (refusal.cause === undefined || attempt === 100) throw refusal;
    }
  };
  const rmDown = async () => {
    await rmListener?.close();
    rmListener = undefined;
  };
  let closing: Promise<void> | undefined;
  const shutDown = (drainMs: number) =>
    (closing ??= (async () => {
      await jobRunnerDown();
      await Promise.all(jobRunners.map((jr) => jr.close({ drainMs })));
      await rmDown();
      await rm.flush();
      await store.close();
    })());
  return {
    rm,
    store,
    jrLink,
    rmUrl,
    jrUrl,
    client: new RmClient(rmUrl),
    async jrGet(path) {
      const res = await fetch(jrUrl + path);
      return { status: res.status, headers: res.headers, text: await res.text() };
    },
    jobRunnerDown,
    async restartJobRunner() {
      await jobRunnerDown();
      await startJr(jrAddr);
    },
    async replaceJobRunner(peer) {
      await jobRunnerDown();
      const server = http.createServer(peer);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(Number(jrAddr.split(':')[1]), '127.0.0.1', () => resolve());
      });
      jrListener = {
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      };
    },
    rmDown,
    async until(what, check) {
      const deadline = Date.now() + 15_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`still not ${what} after 15 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async crash() {
      await rmDown();
      await shutDown(0);
    },
    // Stopping a chain sends its logs and finish to the RM; don't wait long for them.
    close: () => shutDown(200),
  };
}
