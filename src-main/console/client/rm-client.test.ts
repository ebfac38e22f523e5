// The console's RM client against the original Spin Cycle's recorded answers (replayed by a
// real loopback server), and its behaviour with a dead server, timeouts and retries.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readExchange } from '../../../test/support/http-fixtures';
import { replay, type ReplayServer } from '../../../test/support/replay-server';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING } from '../../shared/proto';
import { RmClient, RmClientError } from './rm-client';

let peer: ReplayServer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

const client = (url: string, extra: Partial<ConstructorParameters<typeof RmClient>[0]> = {}) =>
  new RmClient({ baseUrl: url, backoffMs: 10, ...extra });

describe('RmClient against an original RM (recorded exchanges)', () => {
  it('reads a whole request life: create, get, status, chain, logs, request list, running', async () => {
    peer = await replay(
      [
        '020-rm-create-request-demo.txt',
        '021-rm-get-request-running.txt',
        '022-rm-request-status-running.txt',
        '023-rm-get-job-chain.txt',
        '024-rm-status-running-busy.txt',
        '032-rm-get-full-log-complete.txt',
        '033-rm-get-job-log-flaky.txt',
        '010-rm-request-list.txt',
      ].map(readExchange),
    );
    const rm = client(peer.url);
    const created = await rm.createRequest('demo', { msg: 'world', sleepSeconds: '6' });
    expect(created).toMatchObject({ id: 'e9545fc149a84503b4ae49021ef7353c', type: 'demo', totalJobs: 6 });
    expect(peer.received[0]?.body).toBe('{"Type":"demo","Args":{"msg":"world","sleepSeconds":"6"},"User":""}');

    expect((await rm.getRequest(created.id)).state).toBe(STATE_RUNNING);
    const status = await rm.requestStatus(created.id);
    expect(status.jobChainStatus.jobStatuses?.find((s) => s.jobId === 'nap@4')?.status).toMatch(/^sleeping/);
    const chain = await rm.jobChain(created.id);
    expect(chain.adjacencyList['hello@3']).toEqual(['nap@4', 'flaky@5']);
    expect(new TextDecoder().decode(chain.jobs['bye@6']?.bytes ?? new Uint8Array())).toBe('{"cmd":"echo bye"}');
    const running = await rm.running();
    expect(running.jobs?.[0]).toMatchObject({ jobId: 'nap@4', n: 3 });

    const logs = await rm.jobLogs(created.id);
    expect(logs.filter((l) => l.jobId === 'flaky@5').map((l) => l.try)).toEqual([1, 2]);
    expect(logs.every((l) => typeof l.startedAt === 'bigint')).toBe(true);
    const flaky = await rm.jobLog(created.id, 'flaky@5');
    expect(flaky).toMatchObject({ try: 2, state: STATE_COMPLETE, startedAt: 1795816285172551555n });

    const specs = await rm.requestList();
    expect(specs.map((s) => s.Name)).toEqual(['check-host', 'demo', 'fail', 'fanout', 'sleep']);
  });

  it('surfaces the server plain-text error as the message, with its status', async () => {
    peer = await replay(['090-rm-get-request-unknown.txt', '045-rm-stop-request-failed.txt'].map(readExchange));
    const rm = client(peer.url);
    await expect(rm.getRequest('00000000000000000000000000000000')).rejects.toMatchObject({
      message: 'request not found',
      kind: 'http',
      status: 404,
    });
    await expect(rm.stopRequest('0d582109f3cf489b82922b3b82b3ad53')).rejects.toThrow(
      'request not in RUNNING state (state = FAIL)',
    );
  });

  it('reads a failed request and every try of its log', async () => {
    peer = await replay(['041-rm-get-request-failed.txt', '043-rm-get-full-log-failed.txt'].map(readExchange));
    const rm = client(peer.url);
    expect((await rm.getRequest('0d582109f3cf489b82922b3b82b3ad53')).state).toBe(STATE_FAIL);
    const logs = await rm.jobLogs('0d582109f3cf489b82922b3b82b3ad53');
    expect(logs.filter((l) => l.jobId === 'doomed@9').map((l) => [l.try, l.exit, l.stderr])).toEqual([
      [1, 7, 'boom\n'],
      [2, 7, 'boom\n'],
    ]);
  });
});

describe('RmClient failure handling', () => {
  it('names an unreachable server', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const rm = client(`http://127.0.0.1:${port}`, { getRetries: 0 });
    const err = await rm.requestList().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RmClientError);
    expect(err).toMatchObject({ kind: 'unreachable' });
    expect((err as Error).message).toBe(
      `cannot reach http://127.0.0.1:${port}/api/v1/request-list: connection refused (is the Request Manager running?)`,
    );
  });

  it('gives up after the timeout instead of hanging', async () => {
    const silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const rm = client(url, { timeoutMs: 150, getRetries: 0 });
      await expect(rm.running()).rejects.toMatchObject({ kind: 'timeout' });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('retries GETs with backoff through a 503, but never repeats a POST', async () => {
    let gets = 0;
    let posts = 0;
    const flaky = http.createServer((req, res) => {
      if (req.method === 'POST') {
        posts++;
        res.writeHead(503, { 'Content-Type': 'text/plain' }).end('busy');
        return;
      }
      gets++;
      if (gets < 3) res.writeHead(503, { 'Content-Type': 'text/plain' }).end('busy');
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    try {
      const rm = client(url, { getRetries: 2 });
      expect(await rm.requestList()).toEqual([]);
      expect(gets).toBe(3);
      await expect(rm.createRequest('x', {})).rejects.toMatchObject({ message: 'busy', status: 503 });
      expect(posts).toBe(1);
    } finally {
      flaky.close();
    }
  });

  it('rejects an answer of the wrong shape with the field named', async () => {
    const odd = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":"x","state":"RUNNING"}');
    });
    await new Promise<void>((r) => odd.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
    try {
      await expect(client(url).getRequest('x')).rejects.toThrow(
        /unexpected answer: Request\.state: expected an integer/,
      );
    } finally {
      odd.close();
    }
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => new RmClient({ baseUrl: 'ftp://x' })).toThrow(/only http and https/);
    expect(() => new RmClient({ baseUrl: 'not a url' })).toThrow(/invalid Request Manager URL/);
  });

  it('stops reading an answer past maxResponseBytes, however it is sent', async () => {
    let chunksSent = 0;
    const endless = http.createServer((_req, res) => {
      // Chunked, no length: a client that reads it all never ends.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('[');
      const more = () => {
        chunksSent++;
        if (res.write(`"${'x'.repeat(16_384)}",`)) setImmediate(more);
        else res.once('drain', more);
      };
      more();
      res.on('close', () => res.removeAllListeners('drain'));
    });
    await new Promise<void>((r) => endless.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`;
    try {
      const rm = client(url, { maxResponseBytes: 1_000_000, getRetries: 0 });
      await expect(rm.jobLogs('x')).rejects.toMatchObject({
        kind: 'bad-response',
        message: expect.stringMatching(/the answer is larger than 1000000 bytes; not read$/),
      });
      expect(chunksSent).toBeLessThan(10_000);
    } finally {
      endless.closeAllConnections();
      endless.close();
    }
  });
});
