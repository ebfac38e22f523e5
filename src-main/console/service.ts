// The console core: contexts (Request Managers of any protocol generation), one connection and
// one sync per context, the cache, notifications and the tray model, and every operation the
// contract and the CLI offer. Reads come from the cache (so they work offline), but for the
// requests list of a server that lists its requests; writes (create, stop, re-run, retry) go to the RM. The
// cache lives on a worker thread (cache-host.ts): every cache call is a promise, and none runs
// on this event loop. A context's secret header values live in a SecretStore, never in the
// cache. Plain Node: no electron, no transport.

import {
  NO_HISTORY,
  type ConsoleSettings,
  type Context,
  type ContextAuth,
  type ContextProbe,
  type ContextStatus,
  type ImportResult,
  type JobLogRecord,
  type JobLogSummary,
  type JobLogText,
  type JobStatusRecord,
  type LiveOutputState,
  type LogSearchHit,
  type Page,
  type RequestDetail,
  type RequestFilter,
  type RequestPage,
  type RequestPart,
  type RequestRecord,
  type RequestRef,
  type RequestType,
  type RerunOutcome,
  type RerunPrefill,
  type RetryPreview,
  type RmRequest,
  type SettingsPatch,
  type TrayModel,
} from '../shared/console-model';
import {
  JobStatusByRuntime,
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  STATE_TIMEOUT,
  type JsonObject,
} from '../shared/proto';
import type { ContractEvents } from '../shared/ipc';
import { consoleSettings } from '../shared/model-schemas';
import type { z } from 'zod';
import type { RemoteCache } from './cache-api';
import { CacheHost } from './cache-host';
import { Connection } from './client/connection';
import { checkRmUrl, isOffline, type Credentials, type RmClientError, type TransportOptions } from './client/transport';
import { CredentialsError, checkAuth, resolveCredentials, type SecretStore } from './credentials';
import { argsFromChain } from './rerun-args';
import { ContextSync, DEFAULT_INTERVALS } from './sync/context-sync';
import { LiveFollows } from './sync/live-follows';
import { Notifier } from './sync/notifier';
import { ServerPages } from './sync/server-pages';

export const DEFAULT_SETTINGS: ConsoleSettings = { intervals: DEFAULT_INTERVALS, notifications: true, theme: 'system' };

/** Everything the service announces (contract events); the host forwards it to the renderer and the tray. */
export type ConsoleEventName =
  'contextStatus' | 'requestsChanged' | 'requestUpdated' | 'liveOutput' | 'notification' | 'tray';

export type ConsoleEmit = <E extends ConsoleEventName>(event: E, payload: ContractEvents[E]) => void;

/** A refused operation; `code` lets the contract map it (not-found, read-only, bad-request...). */
export class ConsoleError extends Error {
  override name = 'ConsoleError';
  constructor(
    readonly code: 'not-found' | 'read-only' | 'bad-request' | 'unreachable' | 'rm-error',
    message: string,
  ) {
    super(message);
  }
}

export interface ConsoleServiceOptions {
  /** The cache file, or ':memory:'. */
  cacheFile: string;
  emit: ConsoleEmit;
  /** Client options for every context (timeouts, retries). */
  client?: Omit<TransportOptions, 'baseUrl' | 'label' | 'credentials' | 'secret'>;
  /** Where contexts' secret header values are kept (the OS keychain, an owner-only file); none: contexts cannot have them. */
  secrets?: SecretStore;
  /** Username sent with created requests. */
  user?: string;
  nativeBinding?: string;
  /** Where cache trouble nobody asked about is reported (a rebuilt file, a lost worker). */
  log?: (line: string) => void;
  /**
   * The name of the context of the console's own embedded engine, when it runs one. That
   * context belongs to the console: it is reached only at the address and with the secret the
   * console gives (connectEmbedded), and the contract cannot retarget, rename or remove it.
   */
  embeddedContext?: string;
  /** Between two reads of a followed job's output (default FOLLOW_MS). */
  followMs?: number;
}

/** Longest wait for a Request Manager URL to answer when a context is saved. */
const PROBE_TIMEOUT_MS = 5000;
const REQUEST_TYPES_KEY = (context: string) => `request-types:${context}`;
const SETTINGS_KEY = 'settings';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class ConsoleService {
  readonly cache: RemoteCache;
  private readonly syncs = new Map<string, ContextSync>();
  private readonly connections = new Map<string, Connection>();
  private readonly pages = new Map<string, ServerPages>();
  private readonly notifier: Notifier;
  private readonly live: LiveFollows;
  private started = false;
  /** Context changes (add, edit, remove, start), one at a time: a context never gets two syncs. */
  private contextChanges: Promise<unknown> = Promise.resolve();
  /** The API secret of this run's embedded engine, once connectEmbedded gave it. */
  private embeddedSecret: string | undefined;

  private constructor(
    private readonly options: ConsoleServiceOptions,
    private readonly host: CacheHost,
    private settingsValue: ConsoleSettings,
  ) {
    this.cache = host.cache;
    this.live = new LiveFollows(this.cache, options.emit, options.followMs);
    this.notifier = new Notifier(
      this.cache,
      {
        notification: (n) => options.emit('notification', n),
        tray: (t) => options.emit('tray', t),
      },
      () => this.settingsValue.notifications,
    );
  }

  /** Opens the cache (on its worker) and the saved settings; start() then syncs the contexts. */
  static async open(options: ConsoleServiceOptions): Promise<ConsoleService> {
    const host = await CacheHost.open({
      file: options.cacheFile,
      ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
      ...(options.log ? { onProblem: options.log } : {}),
    });
    const stored = await host.cache.settings.get(SETTINGS_KEY).catch(() => undefined);
    return new ConsoleService(options, host, savedSettings(stored));
  }

  /** Why the cache had to be rebuilt at start, if it had to. */
  get cacheRecovery(): CacheHost['recovered'] {
    return this.host.recovered;
  }

  /** Starts syncing every context (an embedded one once connectEmbedded gives its address). */
  async start(): Promise<void> {
    await this.serially(async () => {
      this.started = true;
      for (const ctx of await this.contexts()) {
        if (!ctx.embedded || this.isConnectedEmbedded(ctx)) await this.startContext(ctx);
      }
    });
    await this.notifier.refreshTray();
  }

  async stop(): Promise<void> {
    await this.serially(async () => {
      this.started = false;
      this.live.stopAll();
      await Promise.all([...this.syncs.keys()].map((name) => this.stopContext(name)));
    });
    await this.host.close();
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const run = this.contextChanges.then(change);
    this.contextChanges = run.catch(() => undefined);
    return run;
  }

  // ---- contexts ----

  contexts(): Promise<Context[]> {
    return this.cache.contexts.list();
  }

  async contextStatuses(): Promise<ContextStatus[]> {
    return Promise.all(
      (await this.contexts()).map(
        async (c) =>
          this.syncs.get(c.name)?.contextStatus ?? {
            context: c.name,
            online: false,
            lastOkMs: null,
            error: c.embedded ? 'the embedded engine is not running' : 'not started',
            refused: false,
            server: await this.cache.contexts.serverInfo(c.name),
            storage: null,
          },
      ),
    );
  }

  /**
   * Adds or edits a context (`previousName` to rename), for the contract. An unreachable URL is
   * accepted: it shows offline. The embedded context is the console's: only its label and
   * colour can change, and no other context can become embedded or take its name. `headerValues`
   * are the values of the context's auth headers (kept in the secret store, never in the cache);
   * absent, the stored ones are kept.
   */
  async putContext(
    ctx: Context,
    previousName?: string,
    headerValues?: Record<string, string> | null,
  ): Promise<Context> {
    if (!/^[\w.-]{1,64}$/.test(ctx.name)) {
      throw new ConsoleError(
        'bad-request',
        `invalid context name ${JSON.stringify(ctx.name)}: use letters, digits, . _ -`,
      );
    }
    try {
      checkRmUrl(ctx.url);
    } catch (err) {
      throw new ConsoleError('bad-request', (err as Error).message);
    }
    return this.serially(async () => {
      const contexts = await this.contexts();
      const target = contexts.find((c) => c.name === (previousName ?? ctx.name));
      if (target?.embedded) return this.relabelEmbedded(target, ctx);
      if (ctx.embedded) {
        throw new ConsoleError('bad-request', 'only the console marks a context embedded (the one of its own engine)');
      }
      const existing = contexts.find((c) => c.name === ctx.name);
      if (existing?.embedded || ctx.name === this.options.embeddedContext) {
        throw new ConsoleError('bad-request', `${ctx.name} is the name of the console's embedded engine's context`);
      }
      if (existing && previousName !== ctx.name && previousName !== undefined) {
        throw new ConsoleError('bad-request', `a context named ${ctx.name} already exists`);
      }
      const saved: Context = { ...ctx, auth: normalAuth(ctx.auth) };
      this.putSecrets(saved, previousName, headerValues ?? null);
      await this.stopContext(previousName ?? ctx.name);
      await this.cache.contexts.put(saved, previousName);
      if (this.started) await this.startContext(saved);
      return saved;
    });
  }

  /** Checks a context's auth and keeps its header values (renamed with it; only its own headers'). */
  private putSecrets(ctx: Context, previousName: string | undefined, values: Record<string, string> | null): void {
    const auth = ctx.auth ?? null;
    const store = this.options.secrets;
    try {
      if (auth) checkAuth(auth, values ?? {});
      if (!store) {
        if (auth?.headers.length) {
          throw new CredentialsError('this console has nowhere to keep header values: contexts cannot send headers');
        }
        return;
      }
      if (previousName !== undefined && previousName !== ctx.name) store.rename(previousName, ctx.name);
      const kept = store.get(ctx.name);
      const next: Record<string, string> = {};
      for (const name of auth?.headers ?? []) {
        const value = values?.[name] ?? kept[name];
        if (value === undefined || value === '') throw new CredentialsError(`a value for the ${name} header is needed`);
        next[name] = value;
      }
      if (JSON.stringify(next) !== JSON.stringify(kept)) store.set(ctx.name, next);
    } catch (err) {
      if (err instanceof CredentialsError) throw new ConsoleError('bad-request', `context ${ctx.name}: ${err.message}`);
      throw err;
    }
  }

  /** What a context's calls carry: its header values and the text of its TLS files (read now). */
  private credentials(ctx: Context): Credentials {
    const store = this.options.secrets;
    return resolveCredentials(`context ${ctx.name}`, ctx.auth ?? null, store?.get(ctx.name) ?? {}, store ?? null);
  }

  /** The embedded context with a new label and colour; anything else about it is the console's. */
  private async relabelEmbedded(current: Context, wanted: Context): Promise<Context> {
    if (wanted.name !== current.name || wanted.url !== current.url || !wanted.embedded) {
      throw new ConsoleError(
        'bad-request',
        `${current.name} is the context of the console's embedded engine: only its label and colour can change`,
      );
    }
    const ctx = { ...current, envLabel: wanted.envLabel, envColor: wanted.envColor };
    await this.cache.contexts.put(ctx);
    return ctx;
  }

  /** Removes a context: not the embedded engine's (one left embedded by a run with an engine can go when none runs). */
  removeContext(name: string): Promise<void> {
    if (name === this.options.embeddedContext) {
      return Promise.reject(
        new ConsoleError(
          'bad-request',
          `${name} is the context of the console's embedded engine: it cannot be removed`,
        ),
      );
    }
    return this.serially(async () => {
      await this.stopContext(name);
      if (!(await this.cache.contexts.remove(name))) throw new ConsoleError('not-found', `no context named ${name}`);
      this.options.secrets?.set(name, {});
    });
  }

  /**
   * The embedded engine of this run listens at `url`: its context (created if needed, label and
   * colour kept) points there. With `secret` (once the engine answers) it is synced from now
   * on, every call carrying the secret; with null (while it starts) it is only shown.
   */
  connectEmbedded(url: string, secret: string | null): Promise<Context> {
    const name = this.options.embeddedContext;
    if (name === undefined) return Promise.reject(new Error('this console runs no embedded engine'));
    return this.serially(async () => {
      const existing = (await this.contexts()).find((c) => c.name === name);
      const ctx: Context = {
        name,
        url,
        envLabel: existing ? existing.envLabel : 'embedded',
        envColor: existing ? existing.envColor : '#2e7d32',
        embedded: true,
      };
      await this.stopContext(name);
      await this.cache.contexts.put(ctx);
      this.embeddedSecret = secret ?? undefined;
      if (this.started && secret !== null) await this.startContext(ctx);
      return ctx;
    });
  }

  private isConnectedEmbedded(ctx: Context): boolean {
    return ctx.embedded && ctx.name === this.options.embeddedContext && this.embeddedSecret !== undefined;
  }

  /**
   * Asks the RM at `url` what it speaks and for its request types, once and without retries (5 s
   * at most), so that saving a context can say at once whether its URL answers, and why not.
   * With `auth`, it is asked as the context would ask: header values given, else those kept for
   * the context `name`.
   */
  async probeContext(
    url: string,
    auth: ContextAuth | null = null,
    headerValues: Record<string, string> | null = null,
    name: string | null = null,
  ): Promise<ContextProbe> {
    // This run's embedded engine answers only with its secret, which goes to its address alone.
    const own = (await this.contexts()).some((c) => this.isConnectedEmbedded(c) && c.url === url);
    const secret = own ? this.embeddedSecret : undefined;
    let connection: Connection;
    try {
      if (auth) checkAuth(auth, headerValues ?? {});
      const kept = name ? (this.options.secrets?.get(name) ?? {}) : {};
      const credentials = resolveCredentials('the context', auth, { ...kept, ...headerValues }, null);
      connection = new Connection({ baseUrl: url, getRetries: 0, timeoutMs: PROBE_TIMEOUT_MS, secret, credentials });
    } catch (err) {
      return { answers: false, requestTypes: null, error: (err as Error).message, server: null };
    }
    try {
      const types = await connection.requestTypes();
      return { answers: true, requestTypes: types.length, error: null, server: connection.server };
    } catch (err) {
      const e = err as RmClientError;
      const path = e.url?.startsWith(connection.shownUrl) ? e.url.slice(connection.shownUrl.length) : e.url;
      const error =
        e.kind === 'http'
          ? `it answers, but not as a Spin Cycle Request Manager: GET ${path} gave ${e.status}: ${e.message}`
          : e.kind === 'bad-response'
            ? `it answers, but not as a Spin Cycle Request Manager: ${e.message}`
            : e.message;
      return { answers: false, requestTypes: null, error, server: null };
    } finally {
      connection.close();
    }
  }

  private async startContext(ctx: Context): Promise<void> {
    const secret = this.isConnectedEmbedded(ctx) ? this.embeddedSecret : undefined;
    const [lastContact, known] = await Promise.all([
      this.cache.contexts.lastContact(ctx.name),
      this.cache.contexts.serverInfo(ctx.name),
    ]);
    const connection = new Connection(
      { ...this.options.client, baseUrl: ctx.url, label: ctx.name, secret },
      {
        known,
        onServer: (server) => void this.cache.contexts.putServerInfo(ctx.name, server).catch(() => undefined),
        credentials: () => this.credentials(ctx),
      },
    );
    this.connections.set(ctx.name, connection);
    const emit = this.options.emit;
    const sync = new ContextSync(
      ctx,
      connection,
      this.cache,
      lastContact,
      {
        contextStatus: (s) => emit('contextStatus', s),
        requestsChanged: (context, requests) => emit('requestsChanged', { context, requests }),
        requestUpdated: (context, requestId, parts: RequestPart[]) =>
          emit('requestUpdated', { context, requestId, parts }),
        stateChanged: (change) => this.notifier.stateChanged(change),
      },
      this.settingsValue.intervals,
    );
    this.syncs.set(ctx.name, sync);
    this.pages.set(
      ctx.name,
      new ServerPages({
        context: ctx.name,
        connection,
        cache: this.cache,
        status: () => sync.contextStatus,
        absorber: () => sync.absorberOfFound(),
      }),
    );
    sync.start();
  }

  private async stopContext(name: string): Promise<void> {
    this.live.stopContext(name);
    const sync = this.syncs.get(name);
    const connection = this.connections.get(name);
    this.syncs.delete(name);
    this.connections.delete(name);
    this.pages.delete(name);
    await sync?.stop();
    connection?.close();
  }

  private client(context: string): Connection {
    const c = this.connections.get(context);
    if (!c) throw new ConsoleError('not-found', `no context named ${context}`);
    return c;
  }

  private sync(context: string): ContextSync {
    const s = this.syncs.get(context);
    if (!s) throw new ConsoleError('not-found', `no context named ${context}`);
    return s;
  }

  // ---- reading (from the cache; works offline) ----

  /**
   * A page of a context's requests, newest first: from its server when it lists its requests
   * (every request it has run, filtered there, each cached as it is shown), else from the cache,
   * saying why.
   */
  async listRequests(filter: RequestFilter, offset = 0, limit = 100): Promise<RequestPage> {
    const pages = this.pages.get(filter.context);
    if (pages) return pages.page(filter, offset, limit);
    return { ...(await this.cache.requests.list(filter, offset, limit)), source: 'cache', note: null };
  }

  /**
   * A request with its chain, job statuses and running jobs' starts, from the cache. A failed
   * request cached without its failure summary (before the console kept them) gets one now.
   */
  async request(context: string, id: string): Promise<RequestDetail> {
    const [request, chain, statuses, starts, history] = await Promise.all([
      this.cache.requests.get(context, id),
      this.cache.chains.chainView(context, id),
      this.cache.chains.statuses(context, id),
      this.cache.facts.jobStarts(context, id),
      this.cache.history.view(context, id),
    ]);
    if (!request) throw new ConsoleError('not-found', `request ${id} is not known in context ${context}`);
    if (
      request.failure === null &&
      statuses.length > 0 &&
      (request.state === STATE_FAIL || request.state === STATE_TIMEOUT)
    ) {
      request.failure = await this.cache.failures.summarizeCached(context, id);
    }
    return {
      request,
      chain,
      statuses,
      runningSince: runningSince(statuses, starts),
      history: request.origin === 'imported' ? NO_HISTORY : history,
    };
  }

  /**
   * Job statuses, longest-running first (JobStatusByRuntime). A RUNNING job seen in the running
   * list carries its runtime as a running list would: until now while the RM answers, else
   * until the last time it did (a cached figure).
   */
  async jobStatuses(context: string, id: string): Promise<JobStatusRecord[]> {
    const [statuses, starts] = await Promise.all([
      this.cache.chains.statuses(context, id),
      this.cache.facts.jobStarts(context, id),
    ]);
    const since = runningSince(statuses, starts);
    const status = this.syncs.get(context)?.contextStatus;
    const asOf = status?.online === false ? (status.lastOkMs ?? 0) : Date.now();
    return statuses
      .map((s) =>
        since[s.jobId] === undefined ? s : { ...s, runtime: Math.max(0, asOf - (since[s.jobId] as number)) / 1000 },
      )
      .sort(JobStatusByRuntime);
  }

  jobLogs(context: string, id: string, offset = 0, limit = 500): Promise<Page<JobLogRecord>> {
    return this.cache.logs.page(context, id, offset, limit);
  }

  jobLogSummaries(context: string, id: string, offset = 0, limit = 500): Promise<Page<JobLogSummary>> {
    return this.cache.logs.summaries(context, id, offset, limit);
  }

  async jobLogText(
    context: string,
    id: string,
    jobId: string,
    tryN: number,
    stream: 'stdout' | 'stderr',
    offset: number,
    length: number,
  ): Promise<JobLogText> {
    const slice =
      (await this.cache.logs.text(context, id, jobId, tryN, stream, offset, length)) ??
      (await this.cache.live.text(context, id, jobId, tryN, stream, offset, length));
    if (!slice) throw new ConsoleError('not-found', `no try ${tryN} of job ${jobId} in request ${id} (${context})`);
    return slice;
  }

  /**
   * Follows a job's live output (or lets go of it: `following` false). A request that has
   * ended, was imported, or whose context is not synced is not asked for: what was followed
   * before is returned, readable offline.
   */
  async followJob(context: string, id: string, jobId: string, following: boolean): Promise<LiveOutputState | null> {
    if (!following) {
      this.live.unfollow(context, id, jobId);
      return null;
    }
    const request = await this.cache.requests.get(context, id);
    if (!request) throw new ConsoleError('not-found', `request ${id} is not known in context ${context}`);
    const asks = request.origin !== 'imported' && (request.state === STATE_RUNNING || request.state === STATE_PENDING);
    return this.live.follow(context, asks ? (this.connections.get(context) ?? null) : null, id, jobId);
  }

  jobLogsOfJob(context: string, id: string, jobId: string): Promise<JobLogRecord[]> {
    return this.cache.logs.ofJob(context, id, jobId);
  }

  async searchLogs(text: string, offset = 0, limit = 50): Promise<LogSearchHit[]> {
    const hits = await this.cache.search.search(text, offset, limit);
    // Job names (v2) live in the cached chains: each request's is read once.
    const names = new Map<string, Promise<Map<string, string | null>>>();
    const namesOf = (context: string, requestId: string) => {
      const key = JSON.stringify([context, requestId]);
      let found = names.get(key);
      if (!found) {
        found = this.cache.chains
          .chainView(context, requestId)
          .then((chain) => new Map((chain?.jobs ?? []).map((j) => [j.id, j.name])));
        names.set(key, found);
      }
      return found;
    };
    return Promise.all(
      hits.map(async (hit) => ({
        ...hit,
        jobName: (await namesOf(hit.context, hit.requestId)).get(hit.jobId) ?? null,
      })),
    );
  }

  /**
   * Opens a request: it becomes viewed (synced every second) and, if the RM answers, is
   * brought fully into the cache now. A cached request whose RM is not known to answer (the
   * context is offline, or no call has succeeded since start) is returned from the cache at
   * once: the RM is not asked, so opening never waits out the client's retries and backoff
   * (~0.6 s by default) or a timeout. The sync loop brings it up to date when the RM answers,
   * and announces what changed (requestUpdated).
   */
  async openRequest(context: string, id: string): Promise<RequestDetail> {
    const sync = this.sync(context);
    sync.setViewed(id, true);
    const cached = await this.cache.requests.get(context, id);
    const { online, lastOkMs } = sync.contextStatus;
    const answering = online && lastOkMs !== null;
    if (cached?.origin !== 'imported' && !(cached && !answering)) {
      try {
        await sync.syncRequest(id);
      } catch (err) {
        if (!cached) throw this.rmError(err, `request ${id}`);
      }
    }
    return this.request(context, id);
  }

  closeRequest(context: string, id: string): void {
    this.syncs.get(context)?.setViewed(id, false);
  }

  /** Request types of a context, with their args; the last answer is kept for offline use. */
  async requestList(context: string): Promise<RequestType[]> {
    try {
      const types = await this.client(context).requestTypes();
      await this.cache.settings.put(REQUEST_TYPES_KEY(context), types);
      return types;
    } catch (err) {
      const cached = await this.cache.settings.get(REQUEST_TYPES_KEY(context)).catch(() => undefined);
      if (Array.isArray(cached)) return cached as RequestType[];
      throw this.rmError(err, 'request types');
    }
  }

  // ---- acting (through the RM) ----

  /**
   * Creates (and starts) a request; it is cached, marked as created here, and watched. With
   * `rerunOf` it re-runs that request (the Start form of a re-run): the link is kept here.
   */
  async createRequest(context: string, type: string, args: JsonObject, rerunOf?: string): Promise<RequestRecord> {
    let created;
    try {
      created = await this.client(context).createRequest(type, args, this.options.user ?? '');
    } catch (err) {
      throw this.rmError(err, `creating a ${type} request`);
    }
    if (rerunOf !== undefined) await this.cache.history.putRerun(context, created.id, rerunOf);
    return this.keepCreated(context, created, args);
  }

  /** A request created from here: cached with its args, marked as created here, watched, announced. */
  private async keepCreated(context: string, created: RmRequest, args: JsonObject | null): Promise<RequestRecord> {
    await this.cache.requests.put(context, created, { args, origin: 'console', watched: true });
    const rec = await this.cache.requests.get(context, created.id);
    if (!rec) throw new ConsoleError('rm-error', `request ${created.id} was created but could not be cached`);
    await this.notifier.refreshTray();
    this.options.emit('requestsChanged', { context, requests: [rec] });
    return rec;
  }

  /**
   * Re-runs a request: a new one of the same type with the same args. Our RM re-runs it itself
   * and links the two; elsewhere the args the request carries (a v2 server tells them; this
   * console cached them when it created it) make a new one, linked here. With no args known,
   * the Start form is to be filled from the chain's job args (`form`, see rerunPrefill).
   */
  async rerunRequest(context: string, id: string): Promise<RerunOutcome> {
    await this.refuseImported(context, id);
    const rec = await this.known(context, id);
    let created: RmRequest | null;
    try {
      created = await this.client(context).rerun(id, this.options.user ?? '');
    } catch (err) {
      throw this.rmError(err, `re-running ${id}`);
    }
    if (created) {
      const request = await this.keepCreated(context, created, created.args ?? rec.args);
      // The request re-run now lists its re-run.
      await this.sync(context)
        .readHistory(id)
        .catch(() => false);
      this.options.emit('requestUpdated', { context, requestId: id, parts: ['request'] });
      return { kind: 'started', request };
    }
    if (rec.args !== null) {
      return { kind: 'started', request: await this.createRequest(context, rec.type, rec.args, id) };
    }
    return { kind: 'form', context, requestId: id, type: rec.type };
  }

  /** The Start form of a re-run whose args nobody recorded: each arg as the chain's jobs got it. */
  async rerunPrefill(context: string, id: string): Promise<RerunPrefill> {
    const rec = await this.known(context, id);
    let chain = await this.cache.chains.chainView(context, id);
    if (chain === null) {
      try {
        await this.cache.chains.putChain(context, id, await this.client(context).jobChain(id));
      } catch (err) {
        throw this.rmError(err, `reading the job chain of ${id}`);
      }
      chain = await this.cache.chains.chainView(context, id);
    }
    const type = (await this.requestList(context)).find((t) => t.name === rec.type);
    if (!type) throw new ConsoleError('not-found', `${context} has no request type ${rec.type} any more`);
    const names = type.args.filter((a) => a.kind !== 'static').map((a) => a.name);
    return { type: rec.type, args: argsFromChain(names, chain?.jobs ?? []) };
  }

  /** What a retry of the request would run again (the RM's refusal, or that it cannot retry, as an error). */
  async retryPlan(context: string, id: string): Promise<RetryPreview> {
    await this.refuseImported(context, id);
    try {
      return { jobs: await this.client(context).retryPlan(id) };
    } catch (err) {
      throw this.rmError(err, `retrying ${id}`);
    }
  }

  /** Retries what failed, in place, through the RM; the request as cached once the RM answered. */
  async retryRequest(context: string, id: string): Promise<RequestRecord> {
    await this.refuseImported(context, id);
    try {
      await this.client(context).retry(id, this.options.user ?? '');
    } catch (err) {
      throw this.rmError(err, `retrying ${id}`);
    }
    await this.sync(context)
      .syncRequest(id)
      .catch(() => undefined);
    return this.known(context, id);
  }

  /** A cached request, or not-found. */
  private async known(context: string, id: string): Promise<RequestRecord> {
    const rec = await this.cache.requests.get(context, id);
    if (!rec) throw new ConsoleError('not-found', `request ${id} is not known in context ${context}`);
    return rec;
  }

  async stopRequest(context: string, id: string): Promise<RequestRecord | null> {
    await this.refuseImported(context, id);
    try {
      await this.client(context).stopRequest(id);
    } catch (err) {
      throw this.rmError(err, `stopping ${id}`);
    }
    await this.sync(context)
      .syncRequest(id)
      .catch(() => undefined);
    return this.cache.requests.get(context, id);
  }

  async setWatched(context: string, id: string, watched: boolean): Promise<void> {
    await this.refuseImported(context, id);
    if (!(await this.cache.requests.setWatched(context, id, watched))) {
      throw new ConsoleError('not-found', `request ${id} is not known in context ${context}`);
    }
    await this.notifier.refreshTray();
  }

  private async refuseImported(context: string, id: string): Promise<void> {
    if ((await this.cache.requests.get(context, id))?.origin === 'imported') {
      throw new ConsoleError('read-only', `request ${id} was imported from a file: it is read-only`);
    }
  }

  private rmError(err: unknown, what: string): ConsoleError {
    if (err instanceof ConsoleError) return err;
    const message = (err as Error).message ?? String(err);
    if (isOffline(err)) return new ConsoleError('unreachable', message);
    return new ConsoleError('rm-error', `${what}: ${message}`);
  }

  // ---- export / import ----

  exportRequests(refs: readonly RequestRef[]): Promise<string> {
    return this.cache.transfer.exportRequests(refs);
  }

  /** Imports an export file (see export-import.ts): all of it or, with a clear error, nothing. */
  async importRequests(text: string): Promise<ImportResult> {
    const result = await this.cache.transfer.importRequests(text);
    await this.notifier.refreshTray();
    return result;
  }

  // ---- settings and tray ----

  settings(): ConsoleSettings {
    return this.settingsValue;
  }

  trayModel(): Promise<TrayModel> {
    return this.cache.requests.trayModel();
  }

  async updateSettings(patch: SettingsPatch): Promise<ConsoleSettings> {
    this.settingsValue = {
      ...this.settingsValue,
      ...patch,
      intervals: { ...this.settingsValue.intervals, ...patch.intervals },
    };
    await this.cache.settings.put(SETTINGS_KEY, this.settingsValue);
    if (patch.intervals) {
      for (const sync of this.syncs.values()) sync.setIntervals(this.settingsValue.intervals);
    }
    return this.settingsValue;
  }
}

/** When each RUNNING job started, of those seen in the running list (`starts`, by job id). */
function runningSince(statuses: readonly JobStatusRecord[], starts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    statuses
      .filter((s) => s.state === STATE_RUNNING && starts[s.jobId] !== undefined)
      .map((s) => [s.jobId, starts[s.jobId] as number]),
  );
}

/** The saved settings: each one as saved if it is still valid, else its default. */
function savedSettings(stored: unknown): ConsoleSettings {
  const saved = isObject(stored) ? stored : {};
  const intervals = isObject(saved.intervals) ? saved.intervals : {};
  const valid = <T>(schema: z.ZodType<T>, value: unknown, fallback: T): T => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : fallback;
  };
  const { shape } = consoleSettings;
  const intervalShape = shape.intervals.shape;
  const defaults = DEFAULT_SETTINGS.intervals;
  return {
    intervals: {
      viewedMs: valid(intervalShape.viewedMs, intervals.viewedMs, defaults.viewedMs),
      otherMs: valid(intervalShape.otherMs, intervals.otherMs, defaults.otherMs),
      maxBackoffMs: valid(intervalShape.maxBackoffMs, intervals.maxBackoffMs, defaults.maxBackoffMs),
    },
    notifications: valid(shape.notifications, saved.notifications, DEFAULT_SETTINGS.notifications),
    theme: valid(shape.theme, saved.theme, DEFAULT_SETTINGS.theme),
  };
}

/** An auth with nothing in it is no auth. */
function normalAuth(auth: ContextAuth | null | undefined): ContextAuth | null {
  if (!auth) return null;
  const empty = auth.headers.length === 0 && !auth.caFile && !auth.certFile && !auth.keyFile;
  return empty
    ? null
    : {
        headers: [...auth.headers],
        caFile: auth.caFile || null,
        certFile: auth.certFile || null,
        keyFile: auth.keyFile || null,
      };
}

export type { ConsoleSettings };
