// What the console asks of a Request Manager, in the console model, whatever protocol the server
// speaks: one adapter per generation implements it (adapter-2017.ts, adapter-v2.ts), and
// connect.ts picks the one the server answers to. Nothing outside console/client/ sees a wire.

import type {
  ChainView,
  FindQuery,
  FoundRequests,
  RequestType,
  RmJobLog,
  RmJobStatus,
  RmRequest,
  RmRunning,
  ServerInfo,
} from '../../shared/console-model';
import type { JobOutput, OutputQuery } from '../../shared/live-output';
import type { JsonObject } from '../../shared/proto';
import type { StorageStatus } from '../../shared/storage-status';

/** Every job of a request with its current state. */
export interface JobStatuses {
  /** Running jobs carry their try and start where the server tells them. */
  statuses: RmJobStatus[];
  /**
   * Every try of every job, when working out the states took them (v2 servers have no status
   * endpoint: the states come from the logs); null when they were not read.
   */
  logs: RmJobLog[] | null;
}

export interface RmApi {
  /** Which protocol and version the server speaks, and whether it lists its requests. */
  readonly server: ServerInfo;
  /** The base URL as shown to people (no password). */
  readonly shownUrl: string;

  /** Creates and starts a request. */
  createRequest(type: string, args: JsonObject, user: string): Promise<RmRequest>;
  getRequest(id: string): Promise<RmRequest>;
  stopRequest(id: string): Promise<void>;
  jobChain(id: string): Promise<ChainView>;
  /** Every job of the request with its current state. */
  jobStatuses(id: string): Promise<JobStatuses>;
  /** Every try of every job, by job id then try. */
  jobLogs(id: string): Promise<RmJobLog[]>;
  /** The latest try of one job, or null when it has none. */
  jobLog(id: string, jobId: string): Promise<RmJobLog | null>;
  /** The request types a caller can start, with their args. */
  requestTypes(): Promise<RequestType[]>;
  /** Unfinished requests and their running jobs. */
  running(): Promise<RmRunning>;
  /** The server's requests matching `query`, newest first; an 'unsupported' error where it cannot list them. */
  findRequests(query: FindQuery): Promise<FoundRequests>;
  /**
   * One job's output from the byte offsets asked for: the running try's as it prints, then its
   * log's (ours, docs/protocol/extensions.md). Null where the server does not serve it (the 2017
   * original, v2): the job's status text is all there is until its try's log arrives.
   */
  jobOutput(id: string, jobId: string, query: OutputQuery): Promise<JobOutput | null>;
  /** Whether the server can write its database (ours says); null where it does not say. */
  storageStatus(): Promise<StorageStatus | null>;
  /** Closes kept-alive connections. */
  close(): void;
}
