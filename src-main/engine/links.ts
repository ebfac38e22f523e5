// How the Request Manager and the Job Runner reach each other. Each side talks to the other
// through one of these interfaces: over HTTP (the wire protocol, rm/jr-http-link.ts and
// jr/rm-http-link.ts), or in-process when `spincycle server` runs both in one process.
// A failed call throws LinkError carrying the peer's status and plain-text message.
//
// Beyond the 2017 protocol, for several RMs and JRs (ownership.ts): the RM gives each chain to
// a JR with an epoch, and our JR names it on its posts; a JR can describe what it runs, be given
// a chain to resume, and hand a chain back. An original peer sees none of it: the extras are an
// HTTP header it ignores and routes it never calls.

import type { JobOutput, OutputQuery } from '../shared/live-output';
import type { JobChain, JobChainStatus, JobLog, JobStatus, JsonObject, State } from '../shared/proto';

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

/** What the JR calls on the RM (docs/protocol/wire.md R8, R4; suspend is ours). */
export interface RequestManagerLink {
  /** POST /api/v1/requests/:id/log; `epoch`: the run the JR holds (our RM refuses a stale one with 410). */
  createJobLog(requestId: string, log: JobLog, epoch?: number): Promise<void>;
  /**
   * POST /api/v1/requests/:id/logs (ours): several logs of the request in one call. Each log's
   * outcome, in order: null once stored, else the LinkError R8 would have failed it with.
   * Resolves null, having stored nothing, when the RM has no such route (an original): send
   * each log with createJobLog then. Rejects when the call as a whole failed or went unanswered.
   */
  createJobLogs?(requestId: string, logs: readonly JobLog[], epoch?: number): Promise<Array<LinkError | null> | null>;
  /** PUT /api/v1/requests/:id/finish */
  finishRequest(requestId: string, state: State, epoch?: number): Promise<void>;
  /**
   * PUT /api/v1/requests/:id/suspend (ours): the JR shuts down and hands the chain back, every
   * job log of it delivered first; the RM resumes it on another JR.
   */
  suspendRequest?(requestId: string, epoch: number): Promise<void>;
}

/**
 * A chain to run again where it was (POST /api/v1/job-chains/resume, ours): after its JR was lost
 * or handed it back, or for a retry of what failed (docs/protocol/extensions.md). Its completed
 * jobs are not run again, and their children start with the data they left.
 */
export interface ResumedChain {
  /**
   * The chain as stored; a resume lowers each job's `retry` by the failed tries it already had,
   * a retry gives every job its full tries again.
   */
  chain: JobChain;
  epoch: number;
  /** Jobs that completed: not run again. */
  completed: string[];
  /** Each job's next try number, when it has logged tries (else 1; a never-ran entry alone: 1). */
  nextTry: Record<string, number>;
  /** The job data completed jobs left (absent: none), which their children start with. */
  data?: Record<string, JsonObject>;
}

/** What a JR of ours says about itself (GET /api/v1/job-runner). */
export interface RunnerInfo {
  /** The chains it holds, with the epoch each runs as (0: given without one). */
  chains: Array<{ requestId: string; epoch: number }>;
  /** Shutting down: it takes no new chain. */
  draining: boolean;
}

/** What the RM calls on the JR (docs/protocol/wire.md J1-J4, plus ours). */
export interface JobRunnerLink {
  /**
   * POST /api/v1/job-chains; `epoch` as a header our JR keeps (an original ignores it).
   * `encoded`: the chain as encodeJobChain writes it, when the caller has it already.
   */
  createJobChain(chain: JobChain, epoch?: number, encoded?: string): Promise<void>;
  /** PUT /api/v1/job-chains/:id/stop */
  stopJobChain(requestId: string): Promise<void>;
  /** GET /api/v1/job-chains/:id/status (LinkError 404 `traverser not found` when unknown) */
  jobChainStatus(requestId: string): Promise<JobChainStatus>;
  /** GET /api/v1/status/running */
  runningStatus(): Promise<JobStatus[]>;
  /** POST /api/v1/job-chains/resume (ours; an original answers 404 or 405). */
  resumeJobChain?(resumed: ResumedChain): Promise<void>;
  /** GET /api/v1/job-runner (ours; an original answers 404). */
  describe?(): Promise<RunnerInfo>;
  /**
   * GET /api/v1/job-chains/:id/output/:jobId (ours only, docs/protocol/extensions.md): the
   * running try's output; null when the JR runs no such try. A JR without the endpoint (the
   * original) throws LinkError 404 or 405.
   */
  jobOutput?(requestId: string, jobId: string, query: OutputQuery): Promise<JobOutput | null>;
}
