// A real HTTP proxy on loopback in front of one of our servers that answers the paths matching
// `hide` with 404 `Not Found`, as the 2017 servers answer a route they do not have: the peer the
// tests use for "an original RM (or JR)" where what matters is that our additions are missing.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HidingProxy {
  url: string;
  /** Paths answered 404 so far. */
  hidden: string[];
  close(): Promise<void>;
}

const FORWARDED = ['content-type', 'authorization', 'x-spincycle-peer-secret', 'location'];

export async function hidingProxy(target: string, hide: RegExp): Promise<HidingProxy> {
  const hidden: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (hide.test(path)) {
        hidden.push(path);
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found');
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of FORWARDED) {
        const v = req.headers[name];
        if (typeof v === 'string') headers[name] = v;
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(target + path, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}), redirect: 'manual' })
        .then(async (answer) => {
          const out: Record<string, string> = {};
          for (const name of FORWARDED) {
            const v = answer.headers.get(name);
            if (v !== null) out[name] = v;
          }
          res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch((err: unknown) => res.writeHead(502).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hidden,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
