// How the Request Manager and the Job Runner reach each other. Each side talks to the other
// through one of these interfaces: over HTTP (the wire protocol, rm/jr-http-link.ts and
// jr/rm-http-link.ts), or in-process when `spincycle server` runs both in one process.
// A failed call throws LinkError carrying the peer's status and plain-text message.

import type { JobOutput, OutputQuery } from '../shared/live-output';
import type { JobChain, JobChainStatus, JobLog, JobStatus, State } from '../shared/proto';

/** The JR's 404 text when a job runs no try (live output). */
export const JOB_NOT_RUNNING = 'job not running';

export class LinkError extends Error {
  override name = 'LinkError';
  constructor(
    message: string,
    /** HTTP status the peer answered, or undefined when it could not be reached. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What the JR calls on the RM (docs/protocol/wire.md R8, R4). */
export interface RequestManagerLink {
  /** POST /api/v1/requests/:id/log */
  createJobLog(requestId: string, log: JobLog): Promise<void>;
  /** PUT /api/v1/requests/:id/finish */
  finishRequest(requestId: string, state: State): Promise<void>;
}

/** What the RM calls on the JR (docs/protocol/wire.md J1-J4). */
export interface JobRunnerLink {
  /** POST /api/v1/job-chains */
  createJobChain(chain: JobChain): Promise<void>;
  /** PUT /api/v1/job-chains/:id/stop */
  stopJobChain(requestId: string): Promise<void>;
  /** GET /api/v1/job-chains/:id/status (LinkError 404 `traverser not found` when unknown) */
  jobChainStatus(requestId: string): Promise<JobChainStatus>;
  /** GET /api/v1/status/running */
  runningStatus(): Promise<JobStatus[]>;
  /**
   * GET /api/v1/job-chains/:id/output/:jobId (ours only, docs/protocol/extensions.md): the
   * running try's output; null when the JR runs no such try. A JR without the endpoint (the
   * original) throws LinkError 404 or 405.
   */
  jobOutput?(requestId: string, jobId: string, query: OutputQuery): Promise<JobOutput | null>;
}
