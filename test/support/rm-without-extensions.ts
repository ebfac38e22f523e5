// Our RM made to look like the 2017 original, for tests of the console and the CLI against an RM
// "without our additions" with real chains behind it: a loopback HTTP proxy in front of our RM
// that forwards every call but answers what the original does not have as its router answers
// (docs/protocol/extensions.md; the recordings in test/fixtures/http): 404 `Not Found` for our
// paths (fixture 098), 405 for a GET of the create-only `/api/v1/requests` (fixture 102), and
// requests without our additive `args` key.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readExchange } from './http-fixtures';

const OURS = /^\/api\/v1\/(status\/storage|requests\/[^/]+\/(history|retry|rerun))$/;
const FIND = /^\/api\/v1\/requests$/;

export interface ProxiedRm {
  url: string;
  /** Paths of the calls it refused as the original would. */
  refused: string[];
  close(): Promise<void>;
}

/** A recorded answer of the original: its status and body. */
function recorded(file: string): { status: number; body: string } {
  const { response } = readExchange(file);
  if (!response) throw new Error(`${file} has no response`);
  return { status: response.status, body: response.body };
}

/** A JSON answer without our `args` key on the requests it holds (one, a list, or the running list's). */
function withoutArgs(text: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return text;
  }
  const strip = (r: unknown) => {
    if (r && typeof r === 'object' && !Array.isArray(r)) delete (r as Record<string, unknown>).args;
  };
  if (Array.isArray(v)) v.forEach(strip);
  else strip(v);
  return JSON.stringify(v);
}

export async function rmWithoutExtensions(target: string): Promise<ProxiedRm> {
  const refused: string[] = [];
  const notFound = recorded('098-rm-unknown-route.txt');
  const noList = recorded('102-rm-post-requests-get.txt');
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const bare = path.split('?')[0] ?? '';
      const refusal =
        OURS.test(bare) || bare === '/version' ? notFound : req.method === 'GET' && FIND.test(bare) ? noList : null;
      if (refusal) {
        refused.push(path);
        res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(refusal.body);
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
          const text = await answer.text();
          const json = answer.headers.get('content-type')?.includes('json') ?? false;
          res.writeHead(answer.status, out).end(json ? withoutArgs(text) : text);
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
