// Composition of the engine: builds the Request Manager and the Job Runner from folders and
// addresses, and serves each on its own HTTP listener (their /api/v1/status/running paths
// collide, as in the original). Three shapes:
// - startEngine: RM + JR in one process (`spincycle server`, the console's embedded engine).
//   The two call each other in-process (no HTTP between them: the fast path); both still serve
//   HTTP, so clients and an external RM or JR can use either. RUNNING requests left by a
//   previous run died with its JR: they are ended FAIL at start (we do not resume chains),
//   after the logs of the tries that were running (their spooled output) are stored.
// - startRequestManager: the RM alone, talking HTTP to one or more JRs (`spincycle rm`), on
//   SQLite or on a MariaDB/MySQL database several RMs share (docs/deploy.md). RUNNING requests
//   from before are left to the reaper: resumed on another JR of ours once theirs is lost,
//   ended once an original JR has said for longer than the grace that it does not know them.
//   The reaper works on one RM at a time (a lease in the database).
// - startJobRunner: the JR alone, talking HTTP to one or more RMs (`spincycle jr`); at start it
//   sends the RM the logs of the tries its last run left in the spool. drain() shuts it down
//   handing its chains back (SIGTERM).
// A JR kills what its last run's shell tries left running (jobs/try-keeper.ts) before it starts.

import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccessControl, type AuthSettings } from './auth/access-control';
import { SpecError, loadSpecs, type SpecSet } from './grapher';
import { exposureWarning, type AccessOptions, type Exposed } from './http/access';
import { DEFAULT_MAX_BODY_BYTES, listen, parseAddr, type Listening } from './http/server';
import type { TlsFiles } from './http/tls';
import { builtinJobTypes, type BuiltinJobOptions } from './jobs/builtins';
import { JobFactory } from './jobs/job';
import { loadJobModules } from './jobs/load-job-modules';
import { TryKeeper, spoolDirOf } from './jobs/try-keeper';
import { createJobRunner, jobRunnerRouter, type DispatchLatencyRecorder } from './jr';
import { RecoveredTryDelivery } from './jr/recovered-tries';
import { FailoverRequestManagerLink } from './jr/rm-failover-link';
import { RequestManagerHttpLink } from './jr/rm-http-link';
import type { JobRunnerLink, RequestManagerLink } from './links';
import { createLogger, type Logger } from './log';
import { GrapherChainBuilder } from './rm/grapher-chain-builder';
import { inProcessRequestManagerLink } from './rm/in-process-link';
import { JobRunnerHttpLink } from './rm/jr-http-link';
import { JobRunnerPool } from './rm/job-runner-pool';
import { RequestReaper, type ReaperOptions } from './rm/reaper';
import { RequestManager } from './rm/request-manager';
import { requestManagerRouter } from './rm/routes';
import type { DatabaseLocation } from './store/database-url';
import type { EngineStore } from './store/engine-store';
import { MysqlStore } from './store/mysql-store';
import { openEngineStore, type DamagedDbPolicy } from './store/open-store';
import { SqliteStore } from './store/store';

export const DEFAULT_RM_ADDR = '127.0.0.1:8888';
export const DEFAULT_JR_ADDR = '127.0.0.1:9999';
export const DEFAULT_DATA_DIR = './spincycle-data';
export const DATABASE_FILE = 'spincycle.db';

interface CommonOptions {
  /** Folder of *.js/*.mjs job-type modules added to the built-in types. */
  jobsDir?: string;
  /** Options of the built-in job types (shell output cap, kill grace). */
  jobOptions?: BuiltinJobOptions;
  /** Where log lines go (stderr by default, one line per event). */
  logger?: Logger;
  /** Largest accepted request body (default 64 MiB). */
  maxBodyBytes?: number;
  /** JR only: records every dispatch latency (parent finished -> child started), for the bench. */
  dispatchLatency?: DispatchLatencyRecorder;
  /** Who may call the listeners (Host names, API secret) and the RM <-> JR peer secret. */
  access?: EngineAccess;
  /** JR only: put each shell try in its own cgroup where the machine allows (default true). */
  jobCgroups?: boolean;
}

export interface EngineAccess extends AccessOptions {
  /** The RM and the JR send it to each other and take the other's calls only with it (--peer-token-file). */
  peerSecret?: string;
  /** The listeners speak HTTPS with this certificate and key (--tls-cert, --tls-key). */
  tls?: TlsFiles;
  /** Certificate authorities trusted for https:// peers, instead of the system's (--ca). */
  ca?: string;
}

/** What can change in a running engine without a restart (SIGHUP). */
export interface Reload {
  /** A new certificate and key for TLS listeners. */
  tls?: TlsFiles;
}

interface RequestManagerOptions extends CommonOptions {
  specsDir: string;
  /** Callers and what they may do (--auth, --auth-module, --admin-role); none: everyone can do everything. */
  auth?: AuthSettings;
  /** Refuse to start when the specs define no request type (else: a warning). */
  requireSpecs?: boolean;
  /** Folder of the SQLite file (created if needed), or ':memory:' for a throwaway database. */
  dataDir: string;
  /** Another database than `<dataDir>/spincycle.db` (`rm --db`). */
  db?: DatabaseLocation;
  /** What to do when the database file is damaged (default: move it aside and start empty). */
  onDamagedDb?: DamagedDbPolicy;
  reaper?: ReaperOptions;
}

export interface EngineOptions extends RequestManagerOptions {
  /** RM listen address HOST:PORT (default 127.0.0.1:8888; port 0 = any free port). */
  rmAddr?: string;
  /** JR listen address HOST:PORT (default 127.0.0.1:9999). */
  jrAddr?: string;
}

export interface RunningEngine {
  rmUrl: string;
  jrUrl: string;
  /** The Request Manager itself (tests and the console's embedding may read it). */
  requestManager: RequestManager;
  /** Reads the --auth file again and serves a new certificate; throws (keeping the old) when they are bad. */
  reload(changes: Reload): Promise<void>;
  /** Stops the chains, closes listeners and the database. Idempotent. */
  close(): Promise<void>;
}

export interface RunningRequestManager {
  url: string;
  requestManager: RequestManager;
  reload(changes: Reload): Promise<void>;
  close(): Promise<void>;
}

export interface RunningJobRunner {
  url: string;
  reload(changes: Reload): Promise<void>;
  /** Shuts down handing running chains back to the RM (JobRunner.drain), then closes. */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
}

async function jobFactory(opts: CommonOptions, keeper?: TryKeeper): Promise<JobFactory> {
  const extra = opts.jobsDir ? await loadJobModules(opts.jobsDir) : [];
  return new JobFactory([...builtinJobTypes({ ...opts.jobOptions, ...(keeper ? { keeper } : {}) }), ...extra]);
}

/** The request specs; none at all is a warning, or a SpecError with requireSpecs. */
async function requestSpecs(opts: RequestManagerOptions, factory: JobFactory, logger: Logger): Promise<SpecSet> {
  const specs = await loadSpecs(opts.specsDir, factory);
  if (specs.sequences.size === 0) {
    const why = 'no request types: the folder has no *.yaml file defining a sequence';
    if (opts.requireSpecs) throw new SpecError([{ file: opts.specsDir, line: 0, detail: why }]);
    logger.warn(`${why}; every create will be refused`, { specs: opts.specsDir });
  }
  return specs;
}

/**
 * Listens (over TLS when the access has a certificate), then warns when the listener is
 * reachable beyond loopback with nothing asked of its callers.
 */
async function listenWarning(
  router: Parameters<typeof listen>[0],
  addr: string,
  access: EngineAccess,
  logger: Logger,
  what: Exposed,
  guarded = false,
) {
  const listening = await listen(router, addr, access, access.tls);
  const warning = guarded ? null : exposureWarning(parseAddr(addr).host, addr, what, access);
  if (warning) logger.warn(warning, { url: listening.url });
  return listening;
}

/** The RM's access control from the auth settings and the specs' acls; null without auth. */
function accessControl(auth: AuthSettings | undefined, specs: SpecSet, logger: Logger): AccessControl | null {
  const acls = new Map([...specs.sequences].map(([name, seq]) => [name, seq.acl] as const));
  if (auth === undefined) {
    const guarded = [...acls].filter(([, acl]) => acl.length > 0).map(([name]) => name);
    if (guarded.length > 0) {
      logger.warn(
        'request specs set acls, but auth is off (no --auth or --auth-module): everyone can start and stop every type',
        {
          types: guarded.join(','),
        },
      );
    }
    return null;
  }
  return new AccessControl({ ...auth, acls });
}

/** Applies a reload: the --auth file first (nothing changes when it is bad), then the certificate. */
async function reloader(access: AccessControl | null, listeners: Listening[], changes: Reload): Promise<void> {
  await access?.reload();
  if (changes.tls) for (const l of listeners) l.setTls(changes.tls);
}

/** Contains and spools the JR's shell tries; the spool lives in the data folder (none for ':memory:'). */
function openKeeper(dataDir: string, opts: CommonOptions, logger: Logger): TryKeeper {
  return TryKeeper.open(dataDir === ':memory:' ? null : spoolDirOf(dataDir), logger, {
    cgroups: opts.jobCgroups ?? true,
  });
}

/**
 * Start-up of a JR: what the last engine's tries left running is killed, and their logs (with
 * the output spooled until then) go to the RM before anything else is decided about them.
 */
async function recoverTries(keeper: TryKeeper, rm: RequestManagerLink, logger: Logger): Promise<RecoveredTryDelivery> {
  const delivery = new RecoveredTryDelivery(keeper.recover(), rm, logger);
  await delivery.start();
  return delivery;
}

async function openStore(opts: RequestManagerOptions, logger: Logger): Promise<EngineStore> {
  const db = opts.db;
  if (db?.kind === 'mysql') return MysqlStore.open(db, logger);
  if (db === undefined && opts.dataDir === ':memory:') return new SqliteStore(':memory:');
  const file = db?.file ?? path.join(opts.dataDir, DATABASE_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  return openEngineStore(file, opts.onDamagedDb ?? 'move-aside', logger);
}

/** A JobRunnerLink whose target is set later (the RM and JR each need the other to exist). */
function lateJobRunnerLink(): JobRunnerLink & { target?: JobRunnerLink } {
  const link: JobRunnerLink & { target?: JobRunnerLink } = {
    // No epoch in process: `server`'s chains die with it and are never resumed.
    createJobChain: (c) => (link.target as JobRunnerLink).createJobChain(c),
    stopJobChain: (id) => (link.target as JobRunnerLink).stopJobChain(id),
    jobChainStatus: (id) => (link.target as JobRunnerLink).jobChainStatus(id),
    runningStatus: () => (link.target as JobRunnerLink).runningStatus(),
    // A retry is a hand-over with an epoch, as with every JR.
    resumeJobChain: (r) => (link.target as Required<JobRunnerLink>).resumeJobChain(r),
    jobOutput: async (id, jobId, query) => (await link.target?.jobOutput?.(id, jobId, query)) ?? null,
  };
  return link;
}

/** Closes things in order, once, logging but not stopping at a failure. */
function closer(logger: Logger, steps: Array<[string, () => unknown]>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      for (const [what, step] of steps) {
        try {
          await step();
        } catch (err) {
          logger.error(`closing ${what} failed`, { error: err instanceof Error ? err.message : String(err) });
        }
      }
    })());
}

/**
 * Runs a start-up; if it fails, closes (newest first) what it had opened, registered through
 * `opened`, so a failed start leaves no listener, database or job cgroup behind.
 */
async function startOrUnwind<T>(start: (opened: (close: () => unknown) => void) => Promise<T>): Promise<T> {
  const closes: Array<() => unknown> = [];
  try {
    return await start((close) => closes.push(close));
  } catch (err) {
    for (const close of closes.reverse())
      await Promise.resolve()
        .then(close)
        .catch(() => {});
    throw err;
  }
}

/** RM + JR in one process, linked in-process, each on its own HTTP listener. */
export function startEngine(opts: EngineOptions): Promise<RunningEngine> {
  const logger = opts.logger ?? createLogger('engine');
  const access = opts.access ?? {};
  return startOrUnwind(async (opened) => {
    const store = await openStore(opts, logger);
    opened(() => store.close());
    const keeper = openKeeper(opts.dataDir, opts, logger);
    opened(() => keeper.close());
    const factory = await jobFactory(opts, keeper);
    const specs = await requestSpecs(opts, factory, logger);
    const jrLink = lateJobRunnerLink();
    const rm = new RequestManager({
      store,
      jobRunners: JobRunnerPool.inProcess(jrLink),
      builder: new GrapherChainBuilder(specs, factory),
      logger,
    });
    const rmLink: RequestManagerLink = inProcessRequestManagerLink(rm);
    const recovery = await recoverTries(keeper, rmLink, logger);
    opened(() => recovery.cancel());
    await endInterruptedRequests(rm, logger);
    const jr = createJobRunner({ factory, rm: rmLink, logger, ...latencyOption(opts) });
    opened(() => jr.close());
    jrLink.target = jr;
    const bodyLimit = { maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, onError: logUnexpected(logger) };
    const control = accessControl(opts.auth, specs, logger);
    const rmRouter = requestManagerRouter(rm, { ...bodyLimit, jobRunnerCalls: 'in-process', access: control });
    const rmAddr = opts.rmAddr ?? DEFAULT_RM_ADDR;
    const guarded = control !== null;
    const rmServer = await listenWarning(rmRouter, rmAddr, access, logger, 'rm-with-jr-in-process', guarded);
    opened(() => rmServer.close());
    // With auth, the JR takes chains only from a peer holding the token, or from nobody: its RM is in this process.
    const jrRouter = jobRunnerRouter(jr, { ...peerSecretOption(access), closed: guarded });
    const jrServer = await listenWarning(jrRouter, opts.jrAddr ?? DEFAULT_JR_ADDR, access, logger, 'jr', guarded);
    const reaper = new RequestReaper(rm, { logger, ...opts.reaper });
    reaper.start();
    logger.info('engine started', {
      rm: rmServer.url,
      jr: jrServer.url,
      specs: opts.specsDir,
      data: opts.dataDir,
      jobs: keeper.containment,
      auth: guarded,
    });
    return {
      rmUrl: rmServer.url,
      jrUrl: jrServer.url,
      requestManager: rm,
      reload: (changes) => reloader(control, [rmServer, jrServer], changes),
      close: closer(logger, [
        ['reaper', () => reaper.stop()],
        ['job runner listener', () => jrServer.close()],
        ['job runner', () => jr.close()],
        ['job processes', () => (recovery.cancel(), keeper.close())],
        ['request manager listener', () => rmServer.close()],
        ['database', async () => (await rm.close(), await store.close())],
        ['log', () => logger.info('engine stopped')],
      ]),
    };
  });
}

/** The RM alone, talking HTTP to the JRs at `jrUrls`. */
export function startRequestManager(
  opts: RequestManagerOptions & {
    addr?: string;
    /** The JRs, best first when equally loaded (at least one). */
    jrUrls: readonly string[];
    /** How its JRs are probed (ms). */
    jobRunnerProbe?: { intervalMs?: number; timeoutMs?: number };
  },
): Promise<RunningRequestManager> {
  const logger = opts.logger ?? createLogger('rm');
  const access = opts.access ?? {};
  return startOrUnwind(async (opened) => {
    if (opts.jrUrls.length === 0) throw new Error('no job runner URL');
    const store = await openStore(opts, logger);
    opened(() => store.close());
    const factory = await jobFactory(opts);
    const specs = await requestSpecs(opts, factory, logger);
    const pool = new JobRunnerPool(opts.jrUrls, {
      linkFor: (url, timeoutMs) =>
        new JobRunnerHttpLink(url, { ...peerLinkOptions(access), ...(timeoutMs ? { timeoutMs } : {}) }),
      logger,
      ...(opts.jobRunnerProbe?.intervalMs ? { probeIntervalMs: opts.jobRunnerProbe.intervalMs } : {}),
      ...(opts.jobRunnerProbe?.timeoutMs ? { probeTimeoutMs: opts.jobRunnerProbe.timeoutMs } : {}),
    });
    await pool.start();
    opened(() => pool.stop());
    const rm = new RequestManager({
      store,
      jobRunners: pool,
      builder: new GrapherChainBuilder(specs, factory),
      logger,
    });
    if (opts.auth && access.peerSecret === undefined) {
      throw new Error(
        'auth needs a peer token (--peer-token-file): without one, anyone could post job logs and finish requests',
      );
    }
    const control = accessControl(opts.auth, specs, logger);
    const router = requestManagerRouter(rm, {
      maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onError: logUnexpected(logger),
      jobRunnerCalls: access.peerSecret === undefined ? 'unverified' : { peerSecret: access.peerSecret },
      access: control,
    });
    const server = await listenWarning(router, opts.addr ?? DEFAULT_RM_ADDR, access, logger, 'rm', control !== null);
    const holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    const reaper = new RequestReaper(rm, { logger, lease: { holder }, ...opts.reaper });
    reaper.start();
    // Requests left RUNNING by an earlier run are looked at now.
    reaper.sweep().catch((err: unknown) => logger.error('request reaper sweep failed', { error: String(err) }));
    logger.info('request manager started', {
      url: server.url,
      jr: opts.jrUrls.join(','),
      specs: opts.specsDir,
      db: store.where,
      auth: control !== null,
    });
    return {
      url: server.url,
      requestManager: rm,
      reload: (changes) => reloader(control, [server], changes),
      close: closer(logger, [
        ['reaper', () => reaper.stop()],
        ['listener', () => server.close()],
        ['job runner probes', () => pool.stop()],
        ['database', async () => (await rm.close(), await store.close())],
        ['log', () => logger.info('request manager stopped')],
      ]),
    };
  });
}

/** The JR alone, talking HTTP to the RMs at `rmUrls` (one database: any of them). */
export function startJobRunner(
  opts: CommonOptions & {
    addr?: string;
    rmUrls: readonly string[];
    /** Folder of the spool of running tries (default ./spincycle-data), ':memory:' for none. */
    dataDir?: string;
  },
): Promise<RunningJobRunner> {
  const logger = opts.logger ?? createLogger('jr');
  const access = opts.access ?? {};
  return startOrUnwind(async (opened) => {
    const keeper = openKeeper(opts.dataDir ?? DEFAULT_DATA_DIR, opts, logger);
    opened(() => keeper.close());
    const factory = await jobFactory(opts, keeper);
    const links = opts.rmUrls.map(
      (url) =>
        new RequestManagerHttpLink(url, {
          logger,
          ...peerSecretOption(access),
          ...(access.ca ? { tls: { ca: access.ca } } : {}),
        }),
    );
    const rm =
      links.length === 1 ? (links[0] as RequestManagerHttpLink) : new FailoverRequestManagerLink(links, logger);
    const recovery = await recoverTries(keeper, rm, logger);
    opened(() => recovery.cancel());
    const jr = createJobRunner({ factory, rm, logger, handBack: true, ...latencyOption(opts) });
    opened(() => jr.close());
    const router = jobRunnerRouter(jr, peerSecretOption(access));
    const server = await listenWarning(router, opts.addr ?? DEFAULT_JR_ADDR, access, logger, 'jr');
    logger.info('job runner started', { url: server.url, rm: opts.rmUrls.join(','), jobs: keeper.containment });
    const steps = (stopChains: () => Promise<void>) =>
      closer(logger, [
        ['job runner', stopChains],
        ['listener', () => server.close()],
        ['job processes', () => (recovery.cancel(), keeper.close())],
        ['request manager links', () => links.forEach((l) => l.close())],
        ['log', () => logger.info('job runner stopped')],
      ]);
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      reload: (changes) => reloader(null, [server], changes),
      // The listener stays open while chains wind down: the RM still asks about them.
      drain: (graceMs) => (closing ??= steps(() => jr.drain({ graceMs }))()),
      close: () => (closing ??= steps(() => jr.close())()),
    };
  });
}

/** RUNNING requests died with the last engine: end them now, or (database not writable) leave them to the reaper. */
async function endInterruptedRequests(rm: RequestManager, logger: Logger): Promise<void> {
  try {
    const interrupted = await rm.failInterruptedRequests();
    if (interrupted > 0) logger.warn('ended requests interrupted by the last shutdown', { requests: interrupted });
  } catch (err) {
    logger.error('cannot end the requests interrupted by the last shutdown now; the reaper will retry', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

const peerSecretOption = (access: EngineAccess) =>
  access.peerSecret === undefined ? {} : { peerSecret: access.peerSecret };

/** How the RM reaches its JRs: the peer token, and the CAs to trust for https JRs. */
const peerLinkOptions = (access: EngineAccess) => ({
  ...peerSecretOption(access),
  ...(access.ca === undefined ? {} : { ca: access.ca }),
});

const latencyOption = (opts: CommonOptions) => (opts.dispatchLatency ? { dispatchLatency: opts.dispatchLatency } : {});

function logUnexpected(logger: Logger) {
  return (err: unknown, req: { method: string; path: string }) =>
    logger.error('request failed', {
      method: req.method,
      path: req.path,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
}
