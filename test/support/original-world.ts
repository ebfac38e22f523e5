// The original Spin Cycle (2017) made of its recordings (test/fixtures/http): the given
// recordings answered as often as asked, and what its router answers to anything else: 404
// `Not Found` for an unknown path (`GET /version` included, fixture 098) and 405 for a GET of
// the create-only `/api/v1/requests` (it cannot list requests, fixture 102).

import { readExchange, type Exchange } from './http-fixtures';
import { replay, type RecordedAnswer, type ReplayServer } from './replay-server';

export async function replayOriginal(exchanges: Exchange[], port?: number): Promise<ReplayServer> {
  const notFound = readExchange('098-rm-unknown-route.txt').response as RecordedAnswer;
  const noList = readExchange('102-rm-post-requests-get.txt').response as RecordedAnswer;
  return replay(exchanges, {
    sticky: true,
    ...(port === undefined ? {} : { port }),
    fallback: ({ method, path }) => (method === 'GET' && /^\/api\/v1\/requests(\?|$)/.test(path) ? noList : notFound),
  });
}
