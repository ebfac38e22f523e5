// Live output as the console followed it (migration 7): for each running try it followed, the
// RM's last answer (state, status, where to read on from) and the text that came, stored as it
// came, so a try that was followed and then went out of reach (RM offline, console restarted)
// can still be read as it was last seen. A try's rows go when its job log is cached (the log
// store calls forgetLogged in the same transaction): the log holds the same text, and the rest.
// Offsets and lengths count characters, as the job log texts do (jobLogText).

import { liveStateWithout, type JobLogText, type LiveOutputState } from '../../shared/console-model';
import type { JobOutput, OutputStream } from '../../shared/live-output';
import type { JobLog } from '../../shared/proto';
import type { Db } from './open-cache';
import { charCount, sliceChars } from './text-chunks';

/** Where the follower reads on from (RM byte offsets). */
export interface LivePosition {
  try: number;
  stdout: number;
  stderr: number;
}

type Row = Record<string, number | string | null>;

const toState = (context: string, r: Row): LiveOutputState => ({
  context,
  requestId: r.request_id as string,
  jobId: r.job_id as string,
  try: r.try as number,
  state: r.state as number,
  exit: r.exit as number | null,
  done: r.done === 1,
  source: r.live === 1 ? 'live' : 'status-only',
  status: r.status as string,
  stdoutChars: r.stdout_chars as number,
  stderrChars: r.stderr_chars as number,
  stdoutDropped: r.stdout_dropped as number,
  stderrDropped: r.stderr_dropped as number,
  seenMs: r.seen_ms as number,
  error: null,
});

export class LiveOutputs {
  private readonly s;

  constructor(private readonly db: Db) {
    const key = 'context = ? AND request_id = ? AND job_id = ?';
    this.s = {
      get: db.prepare(`SELECT * FROM live_tries WHERE ${key} AND try = ?`),
      latest: db.prepare(`SELECT * FROM live_tries WHERE ${key} ORDER BY try DESC LIMIT 1`),
      put: db.prepare(
        `INSERT INTO live_tries (context, request_id, job_id, try, state, status, live, done, exit, stdout_next,
                                 stderr_next, stdout_chars, stderr_chars, stdout_dropped, stderr_dropped, seen_ms)
         VALUES (@context, @requestId, @jobId, @try, @state, @status, @live, @done, @exit, @stdoutNext,
                 @stderrNext, @stdoutChars, @stderrChars, @stdoutDropped, @stderrDropped, @seenMs)
         ON CONFLICT (context, request_id, job_id, try) DO UPDATE SET
           state = @state, status = @status, live = @live, done = @done, exit = @exit, stdout_next = @stdoutNext,
           stderr_next = @stderrNext, stdout_chars = @stdoutChars, stderr_chars = @stderrChars,
           stdout_dropped = @stdoutDropped, stderr_dropped = @stderrDropped, seen_ms = @seenMs`,
      ),
      putText: db.prepare(
        `INSERT OR IGNORE INTO live_text (context, request_id, job_id, try, stream, start, chars, text)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // Pieces overlapping characters [a, b): those starting before b and ending after a.
      textIn: db.prepare(
        `SELECT start, chars, text FROM live_text WHERE ${key} AND try = ? AND stream = ? AND start < ?
           AND start + chars > ? ORDER BY start`,
      ),
      logged: db.prepare(`SELECT 1 FROM job_log_rows WHERE ${key} AND try = ?`).pluck(),
      anyFollowed: db.prepare('SELECT EXISTS (SELECT 1 FROM live_tries)').pluck(),
      dropText: db.prepare(`DELETE FROM live_text WHERE ${key} AND try = ?`),
      dropTry: db.prepare(`DELETE FROM live_tries WHERE ${key} AND try = ?`),
    };
  }

  /** Forgets the live rows of the tries whose logs are now cached (nothing to do when none was followed). */
  forgetLogged(context: string, logs: readonly JobLog[]): void {
    if (this.s.anyFollowed.get() === 0) return;
    for (const l of logs) {
      this.s.dropText.run(context, l.requestId, l.jobId, l.try);
      this.s.dropTry.run(context, l.requestId, l.jobId, l.try);
    }
  }

  /** Where to read on from for a try, or null when none of it was stored. */
  position(context: string, requestId: string, jobId: string, tryN: number): LivePosition | null {
    const r = this.s.get.get(context, requestId, jobId, tryN) as Row | undefined;
    return r ? { try: tryN, stdout: r.stdout_next as number, stderr: r.stderr_next as number } : null;
  }

  /** The latest try of a job that was followed and whose log is not cached yet. */
  latest(context: string, requestId: string, jobId: string): LiveOutputState | null {
    const r = this.s.latest.get(context, requestId, jobId) as Row | undefined;
    return r ? toState(context, r) : null;
  }

  /**
   * Stores one answer of the RM for a try (its text appended where the try's stored text ends)
   * and returns the try as it now stands. An answer for a try whose log is cached stores nothing.
   */
  put(context: string, out: JobOutput, seenMs: number): LiveOutputState {
    return this.db.transaction(() => {
      const before = this.s.get.get(context, out.requestId, out.jobId, out.try) as Row | undefined;
      const chars = { stdout: (before?.stdout_chars as number) ?? 0, stderr: (before?.stderr_chars as number) ?? 0 };
      const logged = this.s.logged.get(context, out.requestId, out.jobId, out.try) !== undefined;
      const append = (stream: OutputStream) => {
        const text = out[stream].text;
        if (text === '' || logged) return;
        const n = charCount(text);
        this.s.putText.run(context, out.requestId, out.jobId, out.try, stream, chars[stream], n, text);
        chars[stream] += n;
      };
      append('stdout');
      append('stderr');
      if (!logged) {
        this.s.put.run({
          context,
          requestId: out.requestId,
          jobId: out.jobId,
          try: out.try,
          state: out.state,
          status: out.status,
          live: out.live ? 1 : 0,
          done: out.done ? 1 : 0,
          exit: out.exit,
          stdoutNext: out.stdout.next,
          stderrNext: out.stderr.next,
          stdoutChars: chars.stdout,
          stderrChars: chars.stderr,
          stdoutDropped: out.stdout.dropped,
          stderrDropped: out.stderr.dropped,
          seenMs,
        });
      }
      const after = this.s.get.get(context, out.requestId, out.jobId, out.try) as Row | undefined;
      if (after) return toState(context, after);
      // Its log is cached: the log has it all.
      const { state, exit, done, status } = out;
      return liveStateWithout(context, out.requestId, out.jobId, { try: out.try, state, exit, done, status, seenMs });
    })();
  }

  /** Characters [offset, offset + length) of one stream of a followed try (`live`); null if none is stored. */
  text(
    context: string,
    requestId: string,
    jobId: string,
    tryN: number,
    stream: OutputStream,
    offset: number,
    length: number,
  ): JobLogText | null {
    const r = this.s.get.get(context, requestId, jobId, tryN) as Row | undefined;
    if (!r) return null;
    const end = offset + length;
    const pieces = this.s.textIn.all(context, requestId, jobId, tryN, stream, end, offset) as Array<{
      start: number;
      chars: number;
      text: string;
    }>;
    const text = pieces.map((p) => sliceChars(p.text, offset - p.start, end - p.start)).join('');
    return { text, total: r[`${stream}_chars`] as number, live: true };
  }
}
