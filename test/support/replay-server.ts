// A real HTTP server on loopback that answers with recorded responses (fixtures/http: the
// original Spin Cycle; fixtures/http-v2: upstream v2.1.1): the peer our clients are tested
// against when "an original RM" or "a v2 RM" is meant. Each served exchange answers its method
// and path (the query compared by its parameters, not its spelling) once, in the order given;
// with `sticky`, the last one given for a method and path answers every time. An answer that was
// recorded chunked is sent chunked.

import type http from 'node:http';
import { bodyReadingServer, listenOnLoopback } from './loopback-server';
import type { Exchange } from './http-fixtures';

export interface ReplayServer {
  url: string;
  /** Requests received, in order: method, path, body, headers. */
  received: Array<{ method: string; path: string; body: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export interface ReplayOptions {
  /** Answer every call to a recorded method and path with its last recording, as often as asked. */
  sticky?: boolean;
  /** Answers for calls no recording matches (a living server's behaviour); null to fall through. */
  fallback?: (req: { method: string; path: string; body: string }) => RecordedAnswer | null;
  /** The loopback port to listen on (default: a free one). */
  port?: number;
}

export interface RecordedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers of a recorded answer worth sending again (not Date, not the recorded lengths). */
const KEPT_HEADERS = ['content-type', 'location', 'x-spincycle-version', 'allow'];

/** `path?query` with its parameters in a canonical order (repeats keep their order). */
export function canonicalPath(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const params = [...new URLSearchParams(path.slice(q + 1))];
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${path.slice(0, q)}?${params.map(([k, v]) => `${k}=${v}`).join('&')}`;
}

/** Sends a recorded answer: its status, kept headers and exact body; chunked if it was. */
export function sendRecorded(res: http.ServerResponse, answer: RecordedAnswer): void {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) if (answer.headers[name]) headers[name] = answer.headers[name] as string;
  if ((answer.headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked') {
    res.writeHead(answer.status, headers);
    const half = Math.floor(answer.body.length / 2);
    res.write(answer.body.slice(0, half));
    res.end(answer.body.slice(half));
    return;
  }
  res.writeHead(answer.status, { ...headers, 'Content-Length': Buffer.byteLength(answer.body) }).end(answer.body);
}

export async function replay(exchanges: Exchange[], options: ReplayOptions = {}): Promise<ReplayServer> {
  const queue = exchanges.filter((ex) => ex.response !== null);
  const received: ReplayServer['received'] = [];
  const server = bodyReadingServer((asked, req, res) => {
    const { method, path } = asked;
    const body = asked.body.toString();
    received.push({ method, path, body, headers: req.headers });
    const wanted = canonicalPath(path);
    const matches = (ex: Exchange) => ex.method === method && canonicalPath(ex.path) === wanted;
    const i = options.sticky ? queue.findLastIndex(matches) : queue.findIndex(matches);
    if (i >= 0) {
      const ex = queue[i] as Exchange;
      if (!options.sticky) queue.splice(i, 1);
      sendRecorded(res, ex.response as RecordedAnswer);
      return;
    }
    const answer = options.fallback?.({ method, path, body });
    if (answer) sendRecorded(res, answer);
    else res.writeHead(599, { 'Content-Type': 'text/plain' }).end(`no recorded exchange for ${method} ${path}`);
  });
  return { ...(await listenOnLoopback(server, options.port)), received };
}
