// A test's HTTP server: one that hands each request to its handler with the whole body read,
// and putting it on a loopback port (its base URL, and a close that also drops kept-alive
// connections: a client's agent would otherwise hold the server open).

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (`port`, or any free one); rejects when the port cannot be had. */
export async function listenOnLoopback(server: http.Server, port = 0): Promise<LoopbackServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What a test server was asked: method, path (with its query) and body. */
export interface Asked {
  method: string;
  path: string;
  body: Buffer<ArrayBuffer>;
}

/** A server that reads each request's body whole, then calls `handle`. */
export function bodyReadingServer(
  handle: (asked: Asked, req: http.IncomingMessage, res: http.ServerResponse) => void,
): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      handle({ method: req.method ?? 'GET', path: req.url ?? '/', body: Buffer.concat(chunks) }, req, res),
    );
  });
}
