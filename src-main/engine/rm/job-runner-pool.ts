// The Job Runners a Request Manager gives chains to (`--jr-url`, repeatable), and what it knows
// of each from asking it every `probeIntervalMs`:
// - whether it answers, and since when it has not;
// - whether it is ours (it answers GET /api/v1/job-runner: the chains it holds with their
//   epochs, whether it is shutting down) or an original (404: its load is then counted from
//   J4, the running jobs);
// - whether a JR that does not answer refuses connections (nothing listens: it is gone) or lets
//   them hang (it may be busy);
// - its load: the chains it holds, plus those given to it since it was last asked.
// New chains go to the least loaded JR that answers and takes new chains (candidates()). A JR
// named by a request's run but not in the list (another RM's, from another configuration) is
// tracked the same way, but never given new chains.

import type { JobStatus } from '../../shared/proto';
import { LinkError, type JobRunnerLink } from '../links';
import { silentLogger, type Logger } from '../log';

export interface JobRunnerPoolOptions {
  /** Makes the link to the JR at `url`; probes use one with a short timeout. */
  linkFor(url: string, timeoutMs?: number): JobRunnerLink;
  /** Time between two probes of each JR (ms, default 500). */
  probeIntervalMs?: number;
  /** A probe not answered within this is a JR that does not answer (ms, default 1500). */
  probeTimeoutMs?: number;
  logger?: Logger;
  now?: () => number;
}

interface Member {
  url: string;
  link: JobRunnerLink;
  probeLink: JobRunnerLink;
  /** Given on this RM's command line: may get new chains. */
  listed: boolean;
  /** Answers GET /api/v1/job-runner (undefined until asked). */
  ours: boolean | undefined;
  /** When it last answered, and since when it has not (null: it answers, or was never asked). */
  answeredAt: number | null;
  downSince: number | null;
  /** Its last probe was refused: nothing listens at its address (gone, or restarting). */
  refused: boolean;
  /** Its chains and their epochs at the last answer (ours only). */
  chains: Map<string, number> | null;
  draining: boolean;
  load: number;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The JR answered 404 or 405: an original, without our routes. */
const isOriginal = (err: unknown) => err instanceof LinkError && (err.status === 404 || err.status === 405);

export class JobRunnerPool {
  private readonly members = new Map<string, Member>();
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;
  private readonly probeIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    urls: readonly string[],
    private readonly opts: JobRunnerPoolOptions,
  ) {
    this.probeIntervalMs = opts.probeIntervalMs ?? 500;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 1500;
    this.log = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    for (const url of urls) this.add(url, true);
  }

  /** The JR of `spincycle server`, in this process: always there, never probed, not resumable. */
  static inProcess(link: JobRunnerLink): JobRunnerPool {
    const pool = new JobRunnerPool([IN_PROCESS], { linkFor: () => link });
    (pool.members.get(IN_PROCESS) as Member).ours = false;
    return pool;
  }

  private add(url: string, listed: boolean): Member {
    const m: Member = {
      url,
      link: this.opts.linkFor(url),
      probeLink: this.opts.linkFor(url, this.probeTimeoutMs),
      listed,
      ours: undefined,
      answeredAt: null,
      downSince: null,
      refused: false,
      chains: null,
      draining: false,
      load: 0,
    };
    this.members.set(url, m);
    return m;
  }

  private member(url: string): Member {
    return this.members.get(url) ?? this.add(url, false);
  }

  /** Probes every JR now and then every probeIntervalMs. */
  async start(): Promise<void> {
    if (this.members.has(IN_PROCESS)) return;
    await this.probeAll();
    this.timer ??= setInterval(() => void this.probeAll(), this.probeIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.probing;
  }

  /** The link to the JR at `url` (tracked from now on, if it was not). */
  link(url: string): JobRunnerLink {
    return this.member(url).link;
  }

  /** The JRs of this RM's list. */
  get urls(): string[] {
    return [...this.members.values()].filter((m) => m.listed).map((m) => m.url);
  }

  /**
   * The listed JRs to offer a new chain to, best first: those that answer and take chains, least
   * loaded first (ties in list order); then those not asked yet; then those that do not answer
   * (a chain is offered there only when no other takes it, so that the error is a real one).
   */
  candidates(exclude: ReadonlySet<string> = new Set()): string[] {
    const rank = (m: Member) => (m.downSince !== null || m.draining ? 2 : m.answeredAt === null ? 1 : 0);
    return [...this.members.values()]
      .filter((m) => m.listed && !exclude.has(m.url))
      .map((m, order) => ({ m, order }))
      .sort((a, b) => rank(a.m) - rank(b.m) || a.m.load - b.m.load || a.order - b.order)
      .map(({ m }) => m.url);
  }

  /** A chain was given to `url`: it counts in its load until the next probe says. */
  noteAssigned(url: string): void {
    const m = this.members.get(url);
    if (m) m.load++;
  }

  /** One of ours that answers and takes chains: a chain can be resumed there. */
  canResume(url: string): boolean {
    const m = this.members.get(url);
    return (
      m !== undefined && m.listed && m.ours === true && m.answeredAt !== null && m.downSince === null && !m.draining
    );
  }

  /** The JR answers GET /api/v1/job-runner (it can be given an epoch, resume and hand back). */
  isOurs(url: string): boolean {
    return url !== IN_PROCESS && this.member(url).ours === true;
  }

  /** How long the JR has not answered its probes (0 while it answers or has not been asked). */
  downForMs(url: string): number {
    const since = this.member(url).downSince;
    return since === null ? 0 : this.now() - since;
  }

  /** Its last probe found nothing listening (connection refused), rather than no answer in time. */
  refused(url: string): boolean {
    return this.member(url).refused;
  }

  /**
   * Whether the JR (ours, answering) held the chain at `epoch` at its last answer, and when that
   * answer came; undefined when it is not known (an original, or no answer yet).
   */
  holds(url: string, requestId: string, epoch: number): { held: boolean; answeredAt: number } | undefined {
    const m = this.member(url);
    if (m.chains === null || m.answeredAt === null || m.downSince !== null) return undefined;
    return { held: m.chains.get(requestId) === epoch, answeredAt: m.answeredAt };
  }

  /** Every JR's running jobs (J4), merged; 502-worthy only when none answers (the last error is thrown). */
  async runningStatus(): Promise<JobStatus[]> {
    const listed = [...this.members.values()].filter((m) => m.listed);
    const answers = await Promise.allSettled(listed.map((m) => m.link.runningStatus()));
    const jobs: JobStatus[] = [];
    let lastError: unknown;
    for (const a of answers) {
      if (a.status === 'fulfilled') jobs.push(...a.value);
      else lastError = a.reason;
    }
    if (jobs.length === 0 && answers.every((a) => a.status === 'rejected')) throw lastError;
    return jobs;
  }

  /** One probe of every tracked JR (probes never overlap). */
  probeAll(): Promise<void> {
    this.probing ??= Promise.all([...this.members.values()].map((m) => this.probe(m)))
      .then(() => undefined)
      .finally(() => (this.probing = undefined));
    return this.probing;
  }

  private async probe(m: Member): Promise<void> {
    try {
      if (m.ours !== false && m.probeLink.describe) {
        try {
          const info = await m.probeLink.describe();
          m.ours = true;
          m.chains = new Map(info.chains.map((c) => [c.requestId, c.epoch]));
          m.draining = info.draining;
          m.load = info.chains.length;
          return this.answered(m);
        } catch (err) {
          if (!isOriginal(err)) throw err;
          m.ours = false;
        }
      }
      const running = await m.probeLink.runningStatus();
      m.chains = null;
      m.load = new Set(running.map((j) => j.requestId)).size;
      this.answered(m);
    } catch (err) {
      if (err instanceof LinkError && err.status !== undefined) return this.answered(m); // answers, if badly
      m.refused = err instanceof Error && err.message.includes('ECONNREFUSED');
      if (m.downSince === null) {
        m.downSince = this.now();
        this.log.warn('job runner does not answer', { jr: m.url, error: errorText(err) });
      }
    }
  }

  private answered(m: Member): void {
    if (m.downSince !== null) this.log.info('job runner answers again', { jr: m.url });
    m.downSince = null;
    m.refused = false;
    m.answeredAt = this.now();
  }
}

/** The run record's name for `spincycle server`'s own JR. */
export const IN_PROCESS = 'in-process';
