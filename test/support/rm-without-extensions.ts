// A Request Manager without our additions, for tests of the console and the CLI against "an RM
// that has no retry, history or re-run" with real chains behind it: a loopback HTTP proxy in
// front of our RM that forwards every call, except the paths the 2017 RM does not have
// (docs/protocol/extensions.md), which it answers as the 2017 RM answers an unknown path:
// 404 `Not Found` (test/fixtures/http/098-rm-unknown-route.txt).

import http from 'node:http';
import type { AddressInfo } from 'node:net';

const OURS = /^\/api\/v1\/(status\/storage|requests\/[^/]+\/(history|retry|rerun))$/;

export interface ProxiedRm {
  url: string;
  /** Paths of the calls it answered 404 as the original would. */
  refused: string[];
  close(): Promise<void>;
}

export async function rmWithoutExtensions(target: string): Promise<ProxiedRm> {
  const refused: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (OURS.test(path.split('?')[0] ?? '')) {
        refused.push(path);
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found');
        return;
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'authorization']) {
        const v = req.headers[name];
        if (typeof v === 'string') headers[name] = v;
      }
      fetch(target + path, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}), redirect: 'manual' })
        .then(async (answer) => {
          const out: Record<string, string> = {};
          for (const name of ['content-type', 'location']) {
            const v = answer.headers.get(name);
            if (v) out[name] = v;
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
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
