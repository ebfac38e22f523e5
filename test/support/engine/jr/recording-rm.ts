// Test support: a tiny Request Manager that is a REAL HTTP server (Router + listen on
// loopback) answering the two calls a Job Runner makes — POST /api/v1/requests/:id/log (201,
// echoing the log as the original did) and PUT /api/v1/requests/:id/finish (200) — and
// recording what it received. It can be taken down and brought back up on the same port, and
// told to fail the next calls with a 500, or to store the next logs and never answer (as an RM
// whose answer is lost), to test delivery retries over the real wire. A log it already has is
// refused with 409 `job log already exists`, as the real RM does.

import {
  decodeFinishRequestParams,
  decodeJobLog,
  encodeJobLog,
  type JobLog,
  type State,
} from '../../../../src-main/shared/proto';
import {
  HttpError,
  Router,
  openGuard,
  emptyReply,
  jsonReply,
  listen,
  type Listening,
} from '../../../../src-main/engine/http/server';

export interface RecordedFinish {
  requestId: string;
  state: State;
}

export class RecordingRm {
  readonly logs: JobLog[] = [];
  readonly finishes: RecordedFinish[] = [];
  /** Every call received, including refused ones: `POST /api/v1/requests/x/log`. */
  readonly calls: string[] = [];
  /** Answer the next N calls with 500. */
  failNext = 0;
  /** Store the next N job logs but never answer them (the client times out). */
  hangAfterStoringNext = 0;
  /** Finish calls that arrived while a job-log call was still being handled. */
  finishesWithLogsInFlight = 0;
  /** Called with the headers of every call (to see what a JR sends beyond the body). */
  onCall: (headers: Record<string, string | string[] | undefined>) => void = () => {};
  /** Most job-log calls being handled at once, so far. */
  maxConcurrentLogs = 0;
  private concurrentLogs = 0;
  private readonly stored = new Set<string>();
  private server: Listening | null = null;
  private port = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly router = new Router(openGuard);

  constructor() {
    this.router.add('POST', '/api/v1/requests/:id/log', 'any', async (req) => {
      this.calls.push(`POST ${req.path}`);
      this.onCall(req.headers);
      this.maxConcurrentLogs = Math.max(this.maxConcurrentLogs, ++this.concurrentLogs);
      try {
        const log = { ...(await req.json(decodeJobLog)), requestId: req.params.id as string };
        // Let other calls arrive meanwhile, as a real RM batching its writes does.
        await new Promise((r) => setImmediate(r));
        if (this.failNext > 0) {
          this.failNext--;
          throw new HttpError(500, 'simulated failure');
        }
        const key = `${log.requestId} ${log.jobId} ${log.try}`;
        if (this.stored.has(key)) {
          throw new HttpError(
            409,
            `job log already exists (request ${log.requestId}, job ${log.jobId}, try ${log.try})`,
          );
        }
        this.stored.add(key);
        this.logs.push(log);
        this.notify();
        if (this.hangAfterStoringNext > 0) {
          this.hangAfterStoringNext--;
          this.concurrentLogs--;
          return await new Promise<never>(() => {});
        }
        this.concurrentLogs--;
        return jsonReply(201, encodeJobLog(log));
      } catch (err) {
        this.concurrentLogs--;
        throw err;
      }
    });
    this.router.add('PUT', '/api/v1/requests/:id/finish', 'any', async (req) => {
      this.calls.push(`PUT ${req.path}`);
      this.onCall(req.headers);
      if (this.concurrentLogs > 0) this.finishesWithLogsInFlight++;
      const { State } = await req.json(decodeFinishRequestParams);
      if (this.failNext > 0) {
        this.failNext--;
        throw new HttpError(500, 'simulated failure');
      }
      this.finishes.push({ requestId: req.params.id as string, state: State });
      this.notify();
      return emptyReply(200);
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = await listen(this.router, `127.0.0.1:${this.port}`);
    this.port = Number(new URL(this.server.url).port);
    return this;
  }

  /** Stops listening (connections refused) until start() is called again. */
  async down(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }

  close(): Promise<void> {
    return this.down();
  }

  logsOf(requestId: string): JobLog[] {
    return this.logs.filter((l) => l.requestId === requestId);
  }

  /** Resolves with the state of the request's finish call once it arrived. */
  async waitForFinish(requestId: string, timeoutMs = 15_000): Promise<State> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.finishes.find((x) => x.requestId === requestId);
      if (f) return f.state;
      if (Date.now() > deadline) throw new Error(`no finish call for ${requestId} within ${timeoutMs}ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
