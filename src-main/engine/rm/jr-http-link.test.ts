// The RM's HTTP client of a Job Runner: a call on a kept-alive connection the JR has closed
// (a JR restart) is resent once on a fresh connection instead of failing the request.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LinkError } from '../links';
import { JobRunnerHttpLink } from './jr-http-link';

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

/** A JR stand-in answering J4 with `[]`, which drops the connection of every `dropNth` request on a socket. */
async function jobRunner(dropNth: number | null): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  server = createServer((req, res) => {
    const socket = req.socket as typeof req.socket & { served?: number };
    socket.served = (socket.served ?? 0) + 1;
    seen.push(`${req.method} ${req.url} #${socket.served}`);
    if (dropNth !== null && socket.served === dropNth) return socket.destroy();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('JobRunnerHttpLink', () => {
  it('resends a call once when the kept-alive connection was closed by the JR', async () => {
    const jr = await jobRunner(2);
    const link = new JobRunnerHttpLink(jr.url);
    // Calls until one goes out on a kept-alive socket (its 2nd request there), which the JR
    // drops: that call is resent on a fresh connection and still answers.
    await vi.waitUntil(
      async () => {
        expect(await link.runningStatus()).toEqual([]);
        return jr.seen.some((s) => s.endsWith('#2'));
      },
      { timeout: 15_000, interval: 10 },
    );
    expect(jr.seen.slice(-2)).toEqual(['GET /api/v1/status/running #2', 'GET /api/v1/status/running #1']);
    expect(jr.seen.filter((s) => s.endsWith('#2'))).toHaveLength(1);
  });

  it('a JR that drops every call: one resend, then a clear error naming the call', async () => {
    const jr = await jobRunner(1);
    const link = new JobRunnerHttpLink(jr.url);
    const err = await link.runningStatus().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/status\/running: other side closed/,
    );
    expect(jr.seen).toHaveLength(2);
  });

  it('a JR that is not there: refused at once, not resent', async () => {
    const jr = await jobRunner(null);
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const err = await new JobRunnerHttpLink(jr.url).runningStatus().catch((e: unknown) => e);
    expect((err as LinkError).message).toMatch(/ECONNREFUSED|connect/);
    expect(jr.seen).toEqual([]);
  });
});
