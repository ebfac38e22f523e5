// The job interface (docs/protocol/runner.md §1), as TypeScript: what a job type implements,
// and the factory both the Request Manager (create, serialize) and the Job Runner (deserialize,
// run, stop, status) make jobs with. Built-in types live beside this file; operators add their own
// as JavaScript modules in a jobs folder (see load-job-modules.ts and the README).

import type { JsonObject, State } from '../../shared/proto';
import type { OutputReader } from './capped-output';

/** What one try of a job returned. Only STATE_COMPLETE means success. */
export interface JobReturn {
  state: State;
  exit: number;
  /** Error text ('' for none). */
  error: string;
  stdout: string;
  stderr: string;
}

/** What the running try printed so far, per stream (live output). */
export interface TryOutput {
  readonly stdout: OutputReader;
  readonly stderr: OutputReader;
}

/** What the runner hands to every try. */
export interface RunContext {
  requestId: string;
  jobId: string;
  /** 1-based try number. */
  try: number;
  /** Aborted when the chain is stopped or the job's timeout fires; a job must then return promptly. */
  signal: AbortSignal;
}

export interface Job {
  /**
   * RM, once, at chain build: read the node's args; may add keys to `args` (what a node's
   * `sets` copies back to its sequence). Throw to refuse (the request is not created).
   */
  create(args: JsonObject): void | Promise<void>;
  /** RM, once: what the JR will get back in deserialize (Job.bytes on the wire; null for none). */
  serialize(): Uint8Array | null;
  /** JR, once: rebuild from Job.bytes. Throw when the bytes are unusable (the job then FAILs unrun). */
  deserialize(bytes: Uint8Array | null): void;
  /**
   * JR, once per try. `data` is the chain's run-time job data flowing from parents to children;
   * the job may read and change it. Must honour ctx.signal. A job that finishes at once may
   * return its result directly (noop does): the runner then settles it without a promise.
   */
  run(data: JsonObject, ctx: RunContext): JobReturn | Promise<JobReturn>;
  /** JR on stop: make a running `run` return soon (ctx.signal is aborted too). */
  stop(): void | Promise<void>;
  /** Real-time status text, e.g. `running "uptime" (pid 4711)`, or a shell job's last output line. */
  status(): string;
  /**
   * JR, while a try runs: what it printed so far (live output), or null when no try runs. Job
   * types that capture output implement it; without it a running try shows no output until
   * its log.
   */
  output?(): TryOutput | null;
}

/** A job type: its name and how to make a blank job of it (which must not run anything yet). */
export interface JobType {
  type: string;
  /** Operator-facing one-line description, listed by the CLI. */
  description?: string;
  make(id: string): Job;
}

/** The thrown error's text when a type is unknown (docs/protocol/runner.md §1). */
export const UNKNOWN_JOB_TYPE = 'unknown job type';

export class JobFactory {
  private readonly types = new Map<string, JobType>();

  constructor(types: Iterable<JobType> = []) {
    for (const t of types) this.register(t);
  }

  register(t: JobType): this {
    if (!t.type) throw new Error('a job type needs a non-empty name');
    this.types.set(t.type, t);
    return this;
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  /** A blank job of `type` with id `id` (`<node>@<n>`). Throws `unknown job type` for others. */
  make(type: string, id: string): Job {
    const t = this.types.get(type);
    if (!t) throw new Error(UNKNOWN_JOB_TYPE);
    return t.make(id);
  }

  list(): JobType[] {
    return [...this.types.values()].sort((a, b) => a.type.localeCompare(b.type));
  }
}
