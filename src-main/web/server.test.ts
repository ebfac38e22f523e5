// The web bridge over a real loopback socket: static files, the token and Origin checks on
// the WebSocket upgrade, call round-trips, events, and resilience to malformed frames.

import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startConsoleCore, type ConsoleCore } from '../console/core';
import type { StatusEvent } from '../shared/ipc';
import type { Result } from '../shared/result';
import { startWebBridge, type WebBridge } from './server';

const TOKEN = 'test-token-0123456789abcdef';

let dir: string;
let core: ConsoleCore;
let bridge: WebBridge;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spincycle-web-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
  // A file beside the served folder that path tricks must not reach.
  await writeFile(join(dir, '..', 'spincycle-secret.txt'), 'secret');
  core = await startConsoleCore({
    appVersion: '9.9.9',
    runtime: 'node test',
    heartbeatMs: 0,
    dataDir: mkdtempSync(path.join(tmpdir(), 'sc-core-')),
    embeddedEngine: null,
  });
  bridge = await startWebBridge({ handlers: core.handlers, events: core.events, staticRoot: dir, token: TOKEN });
});

afterAll(async () => {
  await bridge.close();
  await core.stop();
  await rm(dir, { recursive: true, force: true });
  await rm(join(dir, '..', 'spincycle-secret.txt'), { force: true });
});

/** Any frame the server sends, loosely typed for assertions. */
interface Frame {
  id?: unknown;
  event?: unknown;
  payload?: StatusEvent;
  result?: Result<unknown>;
}
type FramePredicate = (frame: Frame) => boolean;

function errorMessage(frame: Frame): string {
  return frame.result && !frame.result.ok ? frame.result.error.message : '(no error)';
}

const wsUrl = (token?: string) => `ws://127.0.0.1:${bridge.port}/ws${token === undefined ? '' : `?token=${token}`}`;

/** Opens a socket; resolves with it once open, or with the HTTP status of the refusal. */
function connect(url: string, origin?: string): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

/** A connected client that collects every frame. */
async function client(): Promise<{ ws: WebSocket; frames: Frame[]; next: (pred: FramePredicate) => Promise<Frame> }> {
  const frames: Frame[] = [];
  const waiters: { pred: FramePredicate; resolve: (f: Frame) => void }[] = [];
  const ws = new WebSocket(wsUrl(TOKEN), { origin: bridge.origin });
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame;
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.pred(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = (pred: FramePredicate) =>
    new Promise<Frame>((resolve) => {
      const seen = frames.find(pred);
      if (seen) resolve(seen);
      else waiters.push({ pred, resolve });
    });
  return { ws, frames, next };
}

function httpGet(
  path: string,
  host?: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP', () => {
  it('serves the renderer with security headers', async () => {
    const index = await httpGet('/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>t</title>');
    expect(index.headers['content-security-policy']).toContain(`connect-src 'self' ws://127.0.0.1:${bridge.port}`);
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    const asset = await httpGet('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('refuses path escapes, unknown files and foreign Host headers', async () => {
    expect((await httpGet('/../spincycle-secret.txt')).status).toBe(404);
    expect((await httpGet('/%2e%2e/spincycle-secret.txt')).status).toBe(404);
    expect((await httpGet('/assets%2F..%2F..%2Fspincycle-secret.txt')).status).toBe(404);
    expect((await httpGet('/assets/%00.js')).status).toBe(404);
    expect((await httpGet('/nope.js')).status).toBe(404);
    expect((await httpGet('/', `evil.example:${bridge.port}`)).status).toBe(403);
  });

  it('prints a URL carrying the token', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/?token=${TOKEN}`);
  });
});

describe('WebSocket upgrade', () => {
  it('refuses a missing or wrong token with 401', async () => {
    expect(await connect(wsUrl(), bridge.origin)).toEqual({ status: 401 });
    expect(await connect(wsUrl('wrong-token-0123456789'), bridge.origin)).toEqual({ status: 401 });
  });

  it('refuses a missing or foreign Origin with 403', async () => {
    expect(await connect(wsUrl(TOKEN))).toEqual({ status: 403 });
    expect(await connect(wsUrl(TOKEN), 'http://evil.example')).toEqual({ status: 403 });
    expect(await connect(wsUrl(TOKEN), `http://localhost:${bridge.port}`)).toEqual({ status: 403 });
  });

  it('refuses other paths with 404', async () => {
    expect(await connect(`ws://127.0.0.1:${bridge.port}/other?token=${TOKEN}`, bridge.origin)).toEqual({ status: 404 });
  });

  it('accepts the token with the server origin', async () => {
    const result = await connect(wsUrl(TOKEN), bridge.origin);
    expect('ws' in result).toBe(true);
    if ('ws' in result) result.ws.close();
  });
});

describe('calls and events', () => {
  it('round-trips version()', async () => {
    const c = await client();
    c.ws.send(JSON.stringify({ id: 1, method: 'version', args: {} }));
    const reply = await c.next((f) => f.id === 1);
    expect(reply.result).toEqual({
      ok: true,
      value: { app: '9.9.9', protocol: 'bca299b (2017-08-29)', runtime: 'node test' },
    });
    c.ws.close();
  });

  it('pushes the current status on connect and later changes', async () => {
    const c = await client();
    const first = await c.next((f) => f.event === 'status');
    expect(first.payload?.embeddedEngine).toBe('not-started');
    expect(Number.isNaN(Date.parse(first.payload?.time ?? ''))).toBe(false);
    core.status.setEmbeddedEngine('starting');
    const second = await c.next((f) => f.event === 'status' && f.payload?.embeddedEngine === 'starting');
    expect(second).toBeTruthy();
    core.status.setEmbeddedEngine('not-started');
    c.ws.close();
  });

  it('answers bad calls with bad-request naming the problem', async () => {
    const c = await client();
    c.ws.send(JSON.stringify({ id: 'a', method: 'launchMissiles', args: {} }));
    c.ws.send(JSON.stringify({ id: 'b', method: 'version', args: { surprise: 1 } }));
    c.ws.send(JSON.stringify({ id: 'c', method: 'version', args: [1, 2] }));
    c.ws.send(JSON.stringify({ id: 'd', method: 'jobLogText', args: { context: 'local', id: 'r1' } }));
    expect((await c.next((f) => f.id === 'a')).result).toEqual({
      ok: false,
      error: { code: 'bad-request', message: "unknown method 'launchMissiles'" },
    });
    expect(errorMessage(await c.next((f) => f.id === 'b'))).toBe('version(): unknown field: surprise');
    expect(errorMessage(await c.next((f) => f.id === 'c'))).toBe(
      'version(): the arguments must be one object of named fields, got an array',
    );
    expect(errorMessage(await c.next((f) => f.id === 'd'))).toBe(
      'jobLogText(): jobId is missing; try is missing; stream is missing; offset is missing; length is missing',
    );
    c.ws.close();
  });

  it('answers malformed frames with an error reply and keeps serving', async () => {
    const c = await client();
    c.ws.send('{not json');
    c.ws.send('[1,2,3]');
    c.ws.send(JSON.stringify({ method: 'version' }));
    c.ws.send(Buffer.from([0, 1, 2]), { binary: true });
    c.ws.send(JSON.stringify({ id: 7, method: 'version' })); // args omitted = no arguments
    const last = await c.next((f) => f.id === 7);
    expect(last.result?.ok).toBe(true);
    const errors = c.frames.filter((f) => 'result' in f && f.id === null);
    expect(errors.map((f) => f.result?.ok)).toEqual([false, false, false, false]);
    expect(errors.map((f) => (f.result?.ok === false ? f.result.error.code : ''))).toEqual([
      'bad-request',
      'bad-request',
      'bad-request',
      'bad-request',
    ]);
    const messages = errors.map(errorMessage);
    expect(messages[0]).toMatch(/^malformed frame, not JSON/);
    expect(messages[1]).toMatch(/expected a JSON object/);
    expect(messages[2]).toMatch(/"id" must be a number or a string/);
    expect(messages[3]).toMatch(/binary frames/);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.close();

    // And a fresh client still gets served.
    const d = await client();
    d.ws.send(JSON.stringify({ id: 1, method: 'version', args: {} }));
    expect((await d.next((f) => f.id === 1)).result?.ok).toBe(true);
    d.ws.close();
  });

  it('closes a connection sending an oversized frame without harming the server', async () => {
    const c = await client();
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    c.ws.send('x'.repeat(2 * 1024 * 1024));
    expect(await closed).toBe(1009);
    expect((await httpGet('/')).status).toBe(200);
  });
});

describe('the end-to-end navigate trigger', () => {
  function post(port: number, path: string, body: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const target = JSON.stringify({ context: 'local', requestId: 'b9uvdi8tk9kahl8ppvbg' });

  it('is off by default: nothing is emitted', async () => {
    const c = await client();
    const res = await post(bridge.port, `/__e2e/navigate?token=${TOKEN}`, target);
    expect(res.status).toBe(405);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.frames.filter((f) => f.event === 'navigate')).toEqual([]);
    c.ws.close();
  });

  it('with test hooks, sends the navigate event to connected pages; checks the token and the body', async () => {
    const hooked = await startWebBridge({
      handlers: core.handlers,
      events: core.events,
      staticRoot: dir,
      token: TOKEN,
      testHooks: true,
    });
    try {
      const c = await client();
      expect((await post(hooked.port, '/__e2e/navigate', target)).status).toBe(401);
      expect((await post(hooked.port, '/__e2e/navigate?token=wrong-wrong-wrong-wrong', target)).status).toBe(401);
      const bad = await post(hooked.port, `/__e2e/navigate?token=${TOKEN}`, '{"context":"local","requestId":"a/b"}');
      expect(bad).toEqual({ status: 400, body: 'Bad request: requestId: expected a request id\n' });
      expect((await post(hooked.port, `/__e2e/navigate?token=${TOKEN}`, 'x'.repeat(5000))).status).toBe(413);

      expect((await post(hooked.port, `/__e2e/navigate?token=${TOKEN}`, target)).status).toBe(200);
      const frame = await c.next((f) => f.event === 'navigate');
      expect(frame.payload).toEqual({ context: 'local', requestId: 'b9uvdi8tk9kahl8ppvbg' });
      expect(c.frames.filter((f) => f.event === 'navigate')).toHaveLength(1);
      c.ws.close();
    } finally {
      await hooked.close();
    }
  });
});
