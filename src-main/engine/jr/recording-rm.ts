// Test support: a tiny Request Manager that is a REAL HTTP server (Router + listen on
// loopback) answering the two calls a Job Runner makes — POST /api/v1/requests/:id/log (201,
// echoing the log as the original did) and PUT /api/v1/requests/:id/finish (200) — and
// recording what it received. It can be taken down and brought back up on the same port, and
// told to fail the next calls with a 500, to test delivery retries over the real wire.

import { decodeFinishRequestParams, decodeJobLog, encodeJobLog, type JobLog, type State } from '../../shared/proto';
import { HttpError, Router, emptyReply, jsonReply, listen, type Listening } from '../http/server';

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
  private server: Listening | null = null;
  private port = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly router = new Router();

  constructor() {
    this.router.add('POST', '/api/v1/requests/:id/log', async (req) => {
      this.calls.push(`POST ${req.path}`);
      const log = await req.json(decodeJobLog);
      if (this.failNext > 0) {
        this.failNext--;
        throw new HttpError(500, 'simulated failure');
      }
      this.logs.push(log);
      this.notify();
      return jsonReply(201, encodeJobLog(log));
    });
    this.router.add('PUT', '/api/v1/requests/:id/finish', async (req) => {
      this.calls.push(`PUT ${req.path}`);
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
