// Paging through a v2 server's history: a real loopback server answering finds with v2's
// semantics (the recorded world's find, test/support/v2-world.ts) over thousands of requests that
// the test adds to while the list is read.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findIn } from '../../../test/support/v2-world';
import { RequestState } from '../../shared/console-model';
import type { V2Request } from '../../shared/proto-v2';
import { AdapterV2 } from '../client/adapter-v2';
import { Transport } from '../client/transport';
import { RequestBrowser } from './request-browser';

const T0 = Date.parse('2026-12-01T00:00:00Z');
let requests: V2Request[] = [];
let finds = 0;
const request = (i: number, state = 3): V2Request => ({
  id: `r${String(i).padStart(6, '0')}`,
  type: i % 3 === 0 ? 'deploy' : 'backup',
  state,
  user: 'ops',
  args: null,
  createdAt: new Date(T0 + i * 1000).toISOString(),
  startedAt: null,
  finishedAt: null,
  totalJobs: 1,
  finishedJobs: 1,
  jrURL: '',
});

let server: http.Server;
let api: AdapterV2;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    finds++;
    const answer = findIn(requests, new URLSearchParams((req.url ?? '').split('?')[1] ?? ''));
    res.writeHead(answer.status, answer.headers).end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api = new AdapterV2(new Transport({ baseUrl: url }), { generation: 'v2', version: '2.1.1', canFind: true });
});
afterAll(() => {
  api.close();
  server.close();
});
beforeEach(() => {
  requests = Array.from({ length: 2500 }, (_, i) => request(i));
  finds = 0;
});

const ids = (list: Array<{ id: string }>) => list.map((r) => r.id);

describe('RequestBrowser', () => {
  it('pages through every request newest first; the total costs about 2·log2(n) one-request finds', async () => {
    const browser = new RequestBrowser(api);
    const first = await browser.page({}, 0, 200);
    expect(first.total).toBe(2500);
    expect(finds).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(2500)) + 2);
    const all = [...first.items];
    for (let offset = 200; offset < first.total; offset += 200)
      all.push(...(await browser.page({}, offset, 200)).items);
    expect(all).toHaveLength(2500);
    expect(ids(all)).toEqual(ids([...requests].reverse()));
  });

  it('a list shorter than a page costs one find', async () => {
    requests = requests.slice(0, 50);
    expect((await new RequestBrowser(api).page({}, 0, 200)).total).toBe(50);
    expect(finds).toBe(1);
  });

  it('requests started while the list is read do not shift its pages; the first page again counts them in', async () => {
    const browser = new RequestBrowser(api);
    await browser.page({}, 0, 200);
    requests.push(request(2500), request(2501), request(2502));
    const second = await browser.page({}, 200, 200);
    expect(ids(second.items)[0]).toBe('r002299');
    finds = 0;
    const again = await browser.page({}, 0, 200);
    expect(again.total).toBe(2503);
    expect(ids(again.items).slice(0, 4)).toEqual(['r002502', 'r002501', 'r002500', 'r002499']);
    expect(finds).toBe(1);
  });

  it('filters on the server: type, states (counted again each time), a creation window', async () => {
    const browser = new RequestBrowser(api);
    expect((await browser.page({ type: 'deploy' }, 0, 200)).total).toBe(834);
    requests[2499] = request(2499, RequestState.FAIL);
    requests[10] = request(10, RequestState.FAIL);
    const failed = await browser.page({ states: [RequestState.FAIL] }, 0, 200);
    expect(ids(failed.items)).toEqual(['r002499', 'r000010']);
    const recent = await browser.page({ createdSinceMs: T0 + 2000 * 1000 }, 0, 200);
    expect(recent.total).toBe(500);
    expect(ids((await browser.page({ createdSinceMs: T0 + 2000 * 1000 }, 400, 200)).items).at(-1)).toBe('r002000');
    const window = await browser.page({ createdSinceMs: T0 + 100_000, createdBeforeMs: T0 + 200_000 }, 0, 200);
    expect(window.total).toBe(100);
    expect(ids(window.items)[0]).toBe('r000199');
  });
});
