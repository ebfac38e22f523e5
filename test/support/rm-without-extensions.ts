// Our RM made to look like the 2017 original, for tests of the console and the CLI against an RM
// "without our additions" with real chains behind it: a loopback HTTP proxy in front of our RM
// that forwards every call but answers what the original does not have as its router answers
// (docs/protocol/extensions.md; the recordings in test/fixtures/http): 404 `Not Found` for our
// paths (fixture 098), 405 for a GET of the create-only `/api/v1/requests` (fixture 102), and
// requests without our additive `args` key.

import { refusingProxy, type Refusal, type RefusingProxy } from './hiding-proxy';
import { readExchange } from './http-fixtures';

const OURS = /^\/api\/v1\/(status\/storage|requests\/[^/]+\/(history|retry|rerun|output\/[^/]+))$/;
const FIND = /^\/api\/v1\/requests$/;

/** A recorded answer of the original: its status and body. */
function recorded(file: string): Refusal {
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

export function rmWithoutExtensions(target: string): Promise<RefusingProxy> {
  const notFound = recorded('098-rm-unknown-route.txt');
  const noList = recorded('102-rm-post-requests-get.txt');
  return refusingProxy(target, {
    refuse: (method, path) => {
      const bare = path.split('?')[0] ?? '';
      if (OURS.test(bare) || bare === '/version') return notFound;
      return method === 'GET' && FIND.test(bare) ? noList : null;
    },
    json: withoutArgs,
  });
}
