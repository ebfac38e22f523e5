// A real HTTP proxy on loopback in front of one of our servers that forwards every call but
// answers some as a server without them would: the peer the tests use for "an original RM (or
// JR)" where what matters is that our additions are missing. `hidingProxy` answers the paths
// matching `hide` with 404 `Not Found`, as the 2017 servers answer a route they do not have.

import { bodyReadingServer, listenOnLoopback } from './loopback-server';

export interface RefusingProxy {
  url: string;
  /** Paths of the calls it refused so far. */
  refused: string[];
  close(): Promise<void>;
}

export interface Refusal {
  status: number;
  body: string;
}

export interface ProxyRules {
  /** The answer to a call the server is to lack, or null to forward the call. */
  refuse(method: string, path: string): Refusal | null;
  /** Rewrites the text of a JSON answer (default: as it came). */
  json?(text: string): string;
}

const FORWARDED = ['content-type', 'authorization', 'x-spincycle-peer-secret', 'location'];
const NOT_FOUND: Refusal = { status: 404, body: 'Not Found' };

export async function refusingProxy(target: string, rules: ProxyRules): Promise<RefusingProxy> {
  const refused: string[] = [];
  const server = bodyReadingServer(({ method, path, body }, req, res) => {
    const refusal = rules.refuse(method, path);
    if (refusal) {
      refused.push(path);
      res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(refusal.body);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    fetch(target + path, { method, headers, ...(body.length > 0 ? { body } : {}), redirect: 'manual' })
      .then(async (answer) => {
        const out: Record<string, string> = {};
        for (const name of FORWARDED) {
          const v = answer.headers.get(name);
          if (v !== null) out[name] = v;
        }
        const rewrite = answer.headers.get('content-type')?.includes('json') ? rules.json : undefined;
        const text = rewrite ? rewrite(await answer.text()) : Buffer.from(await answer.arrayBuffer());
        res.writeHead(answer.status, out).end(text);
      })
      .catch((err: unknown) => res.writeHead(502).end(String(err)));
  });
  return { ...(await listenOnLoopback(server)), refused };
}

export function hidingProxy(target: string, hide: RegExp): Promise<RefusingProxy> {
  return refusingProxy(target, { refuse: (_method, path) => (hide.test(path) ? NOT_FOUND : null) });
}
