// A small RM client over plain fetch for the integration tests and the bench: creates
// requests, reads them back decoded, waits for a request to reach a terminal state.

import {
  STATE_PENDING,
  STATE_RUNNING,
  decodeJobChain,
  decodeJobLog,
  decodeJobLogs,
  decodeRequest,
  decodeRequestStatus,
  parseWire,
  type JobChain,
  type JobLog,
  type JsonObject,
  type Request,
  type RequestStatus,
} from '../../../../src-main/shared/proto';
import {
  DEFAULT_OUTPUT_MAX,
  decodeJobOutput,
  outputQueryString,
  requestOutputPath,
  type JobOutput,
  type OutputQuery,
} from '../../../../src-main/shared/live-output';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export class RmClient {
  constructor(readonly baseUrl: string) {}

  async call(method: string, path: string, body?: string, contentType = 'application/json'): Promise<Answer> {
    const res = await fetch(this.baseUrl + path, {
      method,
      ...(body === undefined ? {} : { body, headers: contentType ? { 'Content-Type': contentType } : {} }),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  private async ok(method: string, path: string, expected: number, body?: string): Promise<string> {
    const a = await this.call(method, path, body);
    if (a.status !== expected) throw new Error(`${method} ${path}: ${a.status} ${a.text}`);
    return a.text;
  }

  async create(type: string, args: JsonObject = {}): Promise<Request> {
    return decodeRequest(parseWire(await this.ok('POST', '/api/v1/requests', 201, JSON.stringify({ type, args }))));
  }

  async get(id: string): Promise<Request> {
    return decodeRequest(parseWire(await this.ok('GET', `/api/v1/requests/${id}`, 200)));
  }

  async status(id: string): Promise<RequestStatus> {
    return decodeRequestStatus(parseWire(await this.ok('GET', `/api/v1/requests/${id}/status`, 200)));
  }

  async chain(id: string): Promise<JobChain> {
    return decodeJobChain(parseWire(await this.ok('GET', `/api/v1/requests/${id}/job-chain`, 200)));
  }

  async logs(id: string): Promise<JobLog[]> {
    return decodeJobLogs(parseWire(await this.ok('GET', `/api/v1/requests/${id}/log`, 200)));
  }

  async log(id: string, jobId: string): Promise<JobLog> {
    return decodeJobLog(
      parseWire(await this.ok('GET', `/api/v1/requests/${id}/log/${encodeURIComponent(jobId)}`, 200)),
    );
  }

  /** Our live-output route (docs/protocol/extensions.md). */
  async output(id: string, jobId: string, query: Partial<OutputQuery> = {}): Promise<JobOutput> {
    const q = { stdout: 0, stderr: 0, max: DEFAULT_OUTPUT_MAX, ...query };
    return decodeJobOutput(
      parseWire(await this.ok('GET', `${requestOutputPath(id, jobId)}?${outputQueryString(q)}`, 200)),
    );
  }

  async stop(id: string): Promise<void> {
    await this.ok('PUT', `/api/v1/requests/${id}/stop`, 200);
  }

  /** Polls until the request is neither PENDING nor RUNNING; throws after `timeoutMs`. */
  async waitDone(id: string, timeoutMs = 15_000, pollMs = 20): Promise<Request> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.get(id);
      if (r.state !== STATE_RUNNING && r.state !== STATE_PENDING) return r;
      if (Date.now() > deadline) throw new Error(`request ${id} still in state ${r.state} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
