// The web bridge's guard and error behaviour, seen from a browser and from a plain client:
// no token -> 401, foreign Origin -> 403, bad calls and malformed frames -> clear errors.

import WebSocket from 'ws';
import { expect, test } from './fixtures';

/** Upgrade attempt from Node, where the HTTP status of a refusal is visible. */
function upgradeStatus(url: string, origin?: string): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

test('a WebSocket without the token is refused', async ({ consolePage, bridge, problems }) => {
  // Chromium logs each refused WebSocket: these two are the point of the test.
  problems.allow(
    /WebSocket connection to '[^']*\/ws(\?token=guess-guess-guess-guess)?' failed: HTTP Authentication failed/,
  );
  await consolePage.open();
  // From the page (right origin, no token): the browser only sees an abnormal close.
  expect(await consolePage.tryWebSocket('')).toBe(1006);
  expect(await consolePage.tryWebSocket('?token=guess-guess-guess-guess')).toBe(1006);
  expect(await consolePage.tryWebSocket(`?token=${encodeURIComponent(bridge.token)}`)).toBe('open');

  const ws = bridge.origin.replace('http', 'ws');
  expect(await upgradeStatus(`${ws}/ws`, bridge.origin)).toBe(401);
  expect(await upgradeStatus(`${ws}/ws?token=${bridge.token}`, 'http://evil.example')).toBe(403);
  expect(await upgradeStatus(`${ws}/ws?token=${bridge.token}`)).toBe(403);
  expect(await upgradeStatus(`${ws}/ws?token=${bridge.token}`, bridge.origin)).toBe('open');
});

test('a bad call gets a clear error', async ({ consolePage }) => {
  await consolePage.open();
  const unknown = await consolePage.sendRawFrame(JSON.stringify({ id: 1, method: 'dropAllTables', args: {} }));
  expect(unknown).toEqual({
    id: 1,
    result: { ok: false, error: { code: 'bad-request', message: "unknown method 'dropAllTables'" } },
  });

  const badArgs = await consolePage.sendRawFrame(
    JSON.stringify({ id: 2, method: 'getRequest', args: { context: 'local', id: '', extra: 1 } }),
  );
  expect(badArgs.result.error).toEqual({
    code: 'bad-request',
    message: 'getRequest(): id: Too small: expected string to have >=1 characters; unknown field: extra',
  });

  const malformed = await consolePage.sendRawFrame('{"id": 3, "method": ');
  expect(malformed.id).toBeNull();
  expect(malformed.result.error?.code).toBe('bad-request');
  expect(malformed.result.error?.message).toMatch(/^malformed frame/);

  // The page and the server keep working afterwards.
  const good = await consolePage.sendRawFrame(JSON.stringify({ id: 4, method: 'version', args: {} }));
  expect(good.result.ok).toBe(true);
  await consolePage.openAbout();
  await expect(consolePage.versionProtocol).toHaveText('bca299b (2017-08-29)');
});
