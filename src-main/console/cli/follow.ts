// `spincycle log <request> <job> --follow`: prints a job's output as it comes (its stdout to
// stdout, its stderr to stderr) and, when the try ends, returns the job's exit code. It follows
// the job's running try (or the next one, if it has not started; or its last one, if it has
// ended) through our RM's live-output route. Without it (an original RM, or our RM with an
// original job runner) it prints the job's status text as it changes, then the try's output
// once its log is there.

import type { JobOutput } from '../../shared/live-output';
import { DEFAULT_OUTPUT_MAX } from '../../shared/live-output';
import { STATE_COMPLETE, STATE_PENDING, STATE_RUNNING, stateName, type JobLog, type State } from '../../shared/proto';
import type { RmClient } from '../client/rm-client';

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
export function exitCodeOf(state: State, exit: number | null): number {
  if (state === STATE_COMPLETE) return 0;
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

export async function followJobOutput(rm: RmClient, id: string, jobId: string, io: FollowIo): Promise<number> {
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
        io.note(`spincycle: job ${jobId} of request ${id} never ran (${stateName(out.state)})`);
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

/** An RM without the live-output route: the job's status from R6 as it changes, then its log. */
async function followWithoutEndpoint(rm: RmClient, id: string, jobId: string, io: FollowIo): Promise<number> {
  io.note(
    "spincycle: this Request Manager does not serve live output: the job's status until the try ends, then its output",
  );
  const tries = (await rm.jobLogs(id)).filter((l) => l.jobId === jobId).map((l) => l.try);
  const before = Math.max(0, ...tries);
  let status = '';
  for (;;) {
    const s = await rm.requestStatus(id);
    const job = s.jobChainStatus.jobStatuses?.find((j) => j.jobId === jobId);
    const requestRuns = s.request.state === STATE_RUNNING || s.request.state === STATE_PENDING;
    if (job?.state === STATE_RUNNING) {
      if (job.status !== '' && job.status !== status) io.note(`spincycle: ${jobId}: ${job.status}`);
      status = job.status;
    } else {
      const log: JobLog | null = await rm.jobLog(id, jobId).catch(() => null);
      if (log && (log.try > before || !requestRuns)) {
        io.write('stdout', log.stdout);
        io.write('stderr', log.stderr);
        return exitCodeOf(log.state, log.exit);
      }
      if (!requestRuns) {
        io.note(`spincycle: job ${jobId} of request ${id} never ran`);
        return 1;
      }
    }
    await sleep(STATUS_POLL_MS);
  }
}
