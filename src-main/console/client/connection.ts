// One context's server, whatever protocol it speaks, for the console's sync and service. What
// the server speaks is found out (connect.ts) before the first call, and again after it could not
// be reached (it may have come back upgraded); every call goes through the adapter for that
// generation. The transport is made then too, from the context's credentials as they are at that
// moment (a rotated certificate is picked up on reconnect; one that cannot be read leaves the
// context offline, saying why). What was found is told to `onServer` whenever it changes (the
// context list shows it; the cache keeps it for when the server is away). A 401 to a read (a
// token that expired or was revoked while the console ran) is a refusal of the console itself,
// like one to the first question; a 401 to a start or stop is that call's own (an ACL).

import type {
  ChainView,
  FindQuery,
  FoundRequests,
  RequestType,
  RmJobLog,
  RmRequest,
  RmRunning,
  ServerInfo,
} from '../../shared/console-model';
import type { JobOutput, OutputQuery } from '../../shared/live-output';
import type { JsonObject } from '../../shared/proto';
import type { StorageStatus } from '../../shared/storage-status';
import { adapterFor, detectServer } from './connect';
import type { JobStatuses, RmApi } from './rm-api';
import { RmClientError, Transport, checkRmUrl, isOffline, type Credentials, type TransportOptions } from './transport';

export interface ConnectionOptions {
  /** What the server was last found to speak (from the cache), until it is asked again. */
  known?: ServerInfo | null;
  /** Told what the server speaks whenever that changes. */
  onServer?: (server: ServerInfo) => void;
  /** The context's credentials, read each time the server is connected to (throws when they cannot be read). */
  credentials?: () => Credentials;
}

export class Connection implements Omit<RmApi, 'server'> {
  readonly shownUrl: string;
  private transport: Transport | null = null;
  private adapter: RmApi | null = null;
  private detecting: Promise<RmApi> | null = null;
  private known: ServerInfo | null;

  constructor(
    private readonly options: TransportOptions,
    private readonly more: ConnectionOptions = {},
  ) {
    checkRmUrl(options.baseUrl);
    this.shownUrl = options.baseUrl.replace(/\/+$/, '');
    this.known = more.known ?? null;
  }

  /** What the server speaks, as last found out; null before it ever answered. */
  get server(): ServerInfo | null {
    return this.known;
  }

  /** The adapter for what the server speaks now (asked when not known since it last answered). */
  api(): Promise<RmApi> {
    if (this.adapter) return Promise.resolve(this.adapter);
    this.detecting ??= this.detect().finally(() => (this.detecting = null));
    return this.detecting;
  }

  private async detect(): Promise<RmApi> {
    this.transport?.close();
    this.transport = null;
    let options = this.options;
    try {
      if (this.more.credentials) options = { ...options, credentials: this.more.credentials() };
    } catch (err) {
      // Credentials that cannot be read: no call can be made.
      throw new RmClientError((err as Error).message, 'refused', this.shownUrl);
    }
    const transport = new Transport(options);
    this.transport = transport;
    let server: ServerInfo;
    try {
      server = await detectServer(transport);
    } catch (err) {
      if (err instanceof RmClientError && (err.status === 401 || err.status === 403)) {
        throw new RmClientError(err.message, 'refused', err.url, err.status);
      }
      if (err instanceof RmClientError) throw err;
      throw new RmClientError(`${this.shownUrl}: ${(err as Error).message}`, 'bad-response', this.shownUrl);
    }
    this.adapter = adapterFor(transport, server);
    const before = this.known;
    this.known = server;
    if (JSON.stringify(before) !== JSON.stringify(server)) this.more.onServer?.(server);
    return this.adapter;
  }

  /**
   * One call through the adapter; a server that cannot be reached is asked what it speaks next
   * time. `act`: a start or stop, whose 401 is the caller's ACL and not its credentials.
   */
  private async call<T>(call: (rm: RmApi) => Promise<T>, act = false): Promise<T> {
    const rm = await this.api();
    try {
      return await call(rm);
    } catch (err) {
      const unauthorized = !act && err instanceof RmClientError && err.kind === 'http' && err.status === 401;
      const failure = unauthorized ? new RmClientError(err.message, 'refused', err.url, err.status) : err;
      if (isOffline(failure) && this.adapter === rm) this.adapter = null;
      throw failure;
    }
  }

  createRequest(type: string, args: JsonObject, user: string): Promise<RmRequest> {
    return this.call((rm) => rm.createRequest(type, args, user), true);
  }

  getRequest(id: string): Promise<RmRequest> {
    return this.call((rm) => rm.getRequest(id));
  }

  stopRequest(id: string): Promise<void> {
    return this.call((rm) => rm.stopRequest(id), true);
  }

  jobChain(id: string): Promise<ChainView> {
    return this.call((rm) => rm.jobChain(id));
  }

  jobStatuses(id: string): Promise<JobStatuses> {
    return this.call((rm) => rm.jobStatuses(id));
  }

  jobLogs(id: string): Promise<RmJobLog[]> {
    return this.call((rm) => rm.jobLogs(id));
  }

  jobLog(id: string, jobId: string): Promise<RmJobLog | null> {
    return this.call((rm) => rm.jobLog(id, jobId));
  }

  requestTypes(): Promise<RequestType[]> {
    return this.call((rm) => rm.requestTypes());
  }

  running(): Promise<RmRunning> {
    return this.call((rm) => rm.running());
  }

  findRequests(query: FindQuery): Promise<FoundRequests> {
    return this.call((rm) => rm.findRequests(query));
  }

  jobOutput(id: string, jobId: string, query: OutputQuery): Promise<JobOutput | null> {
    return this.call((rm) => rm.jobOutput(id, jobId, query));
  }

  storageStatus(): Promise<StorageStatus | null> {
    return this.call((rm) => rm.storageStatus());
  }

  close(): void {
    this.transport?.close();
    this.transport = null;
    this.adapter = null;
  }
}

/** Connects to a server: finds out what it speaks and returns the adapter that speaks it. */
export async function connectRm(options: TransportOptions): Promise<RmApi> {
  const connection = new Connection(options);
  try {
    return await connection.api();
  } catch (err) {
    connection.close();
    throw err;
  }
}
