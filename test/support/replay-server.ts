// A real HTTP server on loopback that answers with the original Spin Cycle's recorded
// responses (fixtures/http): the peer our clients are tested against when "an original RM"
// is meant. Each served exchange answers its method + path once, in the order given.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Exchange } from './http-fixtures';

export interface ReplayServer {
  url: string;
  /** Requests received, in order: method, path, body. */
  received: Array<{ method: string; path: string; body: string }>;
  close(): Promise<void>;
}

export async function replay(exchanges: Exchange[]): Promise<ReplayServer> {
  const queue = exchanges.filter((ex) => ex.response !== null);
  const received: ReplayServer['received'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      received.push({ method, path, body: Buffer.concat(chunks).toString() });
      const i = queue.findIndex((ex) => ex.method === method && ex.path === path);
      if (i < 0) {
        res.writeHead(599, { 'Content-Type': 'text/plain' }).end(`no recorded exchange for ${method} ${path}`);
        return;
      }
      const [ex] = queue.splice(i, 1) as [Exchange];
      const r = ex.response as NonNullable<Exchange['response']>;
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'location']) if (r.headers[name]) headers[name] = r.headers[name] as string;
      res.writeHead(r.status, headers).end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
