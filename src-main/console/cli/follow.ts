// `spincycle log <request> <job> --follow`: prints a job's output as it comes (its stdout to
// stdout, its stderr to stderr) and, when the try ends, returns the job's exit code. It follows
// the job's running try (or the next one, if it has not started; or its last one, if it has
// ended) through our RM's live-output route. Where the server has none (the 2017 original, v2.x,
// or our RM with an original job runner) it prints the job's status text as it changes, then
// the try's output once its log is there.

import { RequestState, UNFINISHED_STATES, stateLabel } from '../../shared/console-model';
import { DEFAULT_OUTPUT_MAX, type JobOutput } from '../../shared/live-output';
import type { RmApi } from '../client/rm-api';
import { jobLabel } from './format';
import { UsageError } from './target';
export interface FollowIo {
  /** Writes text as it is (no newline added). */
  write(stream: 'stdout' | 'stderr', text: string): void;
  /** A line of the CLI's own (notes, errors), on stderr. */
  note(text: string): void;
}

const POLL_MS = 250;
const STATUS_POLL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process exit code for a try: its own exit code, 0 only when it COMPLETEd. */
export function exitCodeOf(state: number, exit: number | null): number {
  if (state === RequestState.COMPLETE) return 0;
  return exit !== null && exit >= 1 && exit <= 255 ? exit : 1;
}

/** Carriage returns become line ends (a progress bar's states one per line); a '\r' at a piece's end waits for the next. */
class LineEnds {
  private held = false;
  take(text: string): string {
    let t = (this.held ? '\r' : '') + text;
    this.held = t.endsWith('\r');
    if (this.held) t = t.slice(0, -1);
    return t.replace(/\r\n?/g, '\n');
  }
  flush(): string {
    const t = this.held ? '\n' : '';
    this.held = false;
    return t;
  }
}

export async function followJobOutput(rm: RmApi, id: string, jobId: string, io: FollowIo): Promise<number> {
  const ends = { stdout: new LineEnds(), stderr: new LineEnds() };
  const at = { stdout: 0, stderr: 0 };
  let tryN: number | undefined;
  let status = '';
  let saidStatusOnly = false;
  for (;;) {
    const out: JobOutput | null = await rm.jobOutput(id, jobId, {
      ...(tryN === undefined ? {} : { try: tryN }),
      ...at,
      max: DEFAULT_OUTPUT_MAX,
    });
    if (out === null) return followWithoutEndpoint(rm, id, jobId, io);
    if (out.try === 0) {
      if (out.done) {
        io.note(`spincycle: job ${jobId} of request ${id} never ran (${stateLabel(out.state)})`);
        return 1;
      }
      await sleep(POLL_MS);
      continue;
    }
    tryN ??= out.try;
    for (const s of ['stdout', 'stderr'] as const) {
      if (out[s].text !== '') io.write(s, ends[s].take(out[s].text));
      at[s] = out[s].next;
    }
    if (!out.live && !out.done) {
      if (!saidStatusOnly) {
        io.note(
          "spincycle: this Request Manager's job runner does not serve live output: the job's status until the try ends, then its output",
        );
        saidStatusOnly = true;
      }
      if (out.status !== '' && out.status !== status) io.note(`spincycle: ${jobId}: ${out.status}`);
      status = out.status;
    }
    if (out.done) {
      for (const s of ['stdout', 'stderr'] as const) {
        const rest = ends[s].flush();
        if (rest) io.write(s, rest);
      }
      return exitCodeOf(out.state, out.exit);
    }
    const more = out.stdout.next < out.stdout.size || out.stderr.next < out.stderr.size;
    if (!more) await sleep(out.live ? POLL_MS : STATUS_POLL_MS);
  }
}

/**
 * A server without the live-output route: the job's status as it changes, then its log. The job
 * may be named by its id or, on v2 servers, by its name.
 */
async function followWithoutEndpoint(rm: RmApi, id: string, job: string, io: FollowIo): Promise<number> {
  io.note(
    "spincycle: this Request Manager does not serve live output: the job's status until the try ends, then its output",
  );
  const jobId = await jobIdOf(rm, id, job);
  const tries = (await rm.jobLogs(id)).filter((l) => l.jobId === jobId).map((l) => l.try);
  const before = Math.max(0, ...tries);
  let status = '';
  for (;;) {
    const request = await rm.getRequest(id);
    const { statuses } = await rm.jobStatuses(id);
    const now = statuses.find((j) => j.jobId === jobId);
    const requestRuns = UNFINISHED_STATES.has(request.state);
    if (now?.state === RequestState.RUNNING) {
      if (now.status !== '' && now.status !== status) io.note(`spincycle: ${jobLabel(now)}: ${now.status}`);
      status = now.status;
    } else {
      const log = await rm.jobLog(id, jobId).catch(() => null);
      if (log && (log.try > before || !requestRuns)) {
        io.write('stdout', log.stdout);
        io.write('stderr', log.stderr);
        return exitCodeOf(log.state, log.exit);
      }
      if (!requestRuns) {
        io.note(`spincycle: job ${job} of request ${id} never ran`);
        return 1;
      }
    }
    await sleep(STATUS_POLL_MS);
  }
}

/** The id of the job named `job` (its id, or its v2 name when that is one job's). */
async function jobIdOf(rm: RmApi, id: string, job: string): Promise<string> {
  const chain = await rm.jobChain(id);
  if (chain.jobs.some((j) => j.id === job)) return job;
  const named = chain.jobs.filter((j) => j.name === job);
  if (named.length === 1) return (named[0] as { id: string }).id;
  if (named.length > 1) {
    const ids = named.map((j) => jobLabel({ jobId: j.id, name: j.name })).join(', ');
    throw new UsageError(`several jobs are named ${job}: ${ids}; give one by its id`);
  }
  throw new Error(`request ${id} has no job ${job}`);
}
