// Hostile export files against the console core (its cache worker, a real SQLite file): an
// item whose parts name another request must not write into that request's cache, and a file
// with one bad part is refused whole, naming the part, with nothing written.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleService } from '../../src-main/console/service';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  encodeJobChain,
  encodeJobLogs,
  encodeJobStatusList,
  encodeRequest,
  type JobChain,
  type JobLog,
  type JobStatus,
  type Request,
} from '../../src-main/shared/proto';

const services: ConsoleService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
});

async function openConsole() {
  const cacheFile = path.join(mkdtempSync(path.join(tmpdir(), 'sc-hostile-import-')), 'cache.db');
  const s = await ConsoleService.open({ cacheFile, emit: () => {} });
  services.push(s);
  return s;
}

const LIVE = 'live0000000000000000000000000001';
const NEW = 'new00000000000000000000000000001';

const request = (id: string): Request => ({
  id,
  type: 'deploy',
  state: STATE_COMPLETE,
  user: 'alice',
  createdAt: '2026-11-27T10:00:00Z',
  startedAt: '2026-11-27T10:00:00Z',
  finishedAt: '2026-11-27T10:00:05Z',
  totalJobs: 1,
  finishedJobs: 1,
});

const chain = (requestId: string): JobChain => ({
  requestId,
  jobs: {
    'deploy@1': {
      id: 'deploy@1',
      type: 'shell',
      bytes: null,
      state: STATE_COMPLETE,
      args: null,
      data: null,
      retry: 0,
      retryWait: 0,
    },
  },
  adjacencyList: {},
  state: STATE_COMPLETE,
});

const log = (requestId: string, tryN: number, stdout: string): JobLog => ({
  requestId,
  jobId: 'deploy@1',
  try: tryN,
  type: 'shell',
  startedAt: 1795816285172551555n,
  finishedAt: 1795816285272551555n,
  state: tryN === 7 ? STATE_FAIL : STATE_COMPLETE,
  exit: tryN === 7 ? 1 : 0,
  error: '',
  stdout,
  stderr: '',
});

const status = (requestId: string): JobStatus => ({
  requestId,
  jobId: 'deploy@1',
  state: STATE_COMPLETE,
  status: '',
  runtime: 0,
  n: 1,
});

interface Item {
  context: string;
  request: Request;
  chain: JobChain | null;
  statuses: JobStatus[];
  logs: JobLog[];
}

/** An export file as the console writes one, with whatever parts the items are given. */
function exportFile(items: Item[]): string {
  const parts = items.map(
    (it) =>
      `{"context":${JSON.stringify(it.context)},"request":${encodeRequest(it.request)},"args":null,` +
      `"chain":${it.chain ? encodeJobChain(it.chain) : 'null'},"statuses":${encodeJobStatusList(it.statuses)},` +
      `"logs":${encodeJobLogs(it.logs)}}`,
  );
  return `{"format":"spincycle-console-export","version":1,"exportedFrom":"elsewhere","requests":[${parts.join(',')}]}`;
}

/** A console whose `local` context holds a live request, cached as the sync caches one. */
async function withLiveRequest() {
  const s = await openConsole();
  await s.cache.requests.put('local', request(LIVE));
  await s.cache.chains.putChain('local', LIVE, chain(LIVE));
  await s.cache.chains.putStatuses('local', LIVE, [status(LIVE)]);
  await s.cache.logs.put('local', [log(LIVE, 1, 'deployed v41')]);
  const before = {
    detail: await s.request('local', LIVE),
    logs: await s.jobLogs('local', LIVE),
  };
  return { s, before };
}

/** Which of the contexts an import could write (the live one, the imported source) hold request `id`. */
async function everyRequestContext(s: ConsoleService, id: string): Promise<string[]> {
  const contexts = ['local', 'local (imported from elsewhere)'];
  const found = await Promise.all(contexts.map(async (c) => ((await s.cache.requests.get(c, id)) ? c : null)));
  return found.filter((c): c is string => c !== null);
}

describe('hostile imports', () => {
  it("refuses an item whose chain and logs name a live request, and leaves that request's cache as it was", async () => {
    const { s, before } = await withLiveRequest();
    const hostile = exportFile([
      {
        context: 'local',
        request: request(NEW),
        chain: { ...chain(LIVE), jobs: { 'deploy@1': { ...chain(LIVE).jobs['deploy@1']!, type: 'forged' } } },
        statuses: [],
        logs: [log(LIVE, 7, 'rm -rf / (a fake try 7)')],
      },
    ]);
    await expect(s.importRequests(hostile)).rejects.toThrow(
      `requests[0].chain.requestId: "${LIVE}" is not this item's request (${NEW})`,
    );
    expect(await s.request('local', LIVE)).toEqual(before.detail);
    expect(await s.jobLogs('local', LIVE)).toEqual(before.logs);
    expect(await everyRequestContext(s, NEW)).toEqual([]);
    expect(await s.searchLogs('fake')).toEqual([]);
  });

  it('names the first stray part: a log, a job status, a job outside the chain', async () => {
    const s = await openConsole();
    const good = (): Item => ({
      context: 'local',
      request: request(NEW),
      chain: chain(NEW),
      statuses: [status(NEW)],
      logs: [log(NEW, 1, 'ok')],
    });
    const cases: Array<[Item, string]> = [
      [{ ...good(), logs: [log(NEW, 1, 'ok'), log(LIVE, 7, 'forged')] }, `requests[0].logs[1].requestId: "${LIVE}"`],
      [{ ...good(), chain: null, logs: [log(LIVE, 7, 'forged')] }, `requests[0].logs[0].requestId: "${LIVE}"`],
      [{ ...good(), statuses: [status(LIVE)] }, `requests[0].statuses[0].requestId: "${LIVE}"`],
      [
        { ...good(), logs: [{ ...log(NEW, 2, 'x'), jobId: 'other@9' }] },
        `requests[0].logs[0].jobId: "other@9" is not a job of request ${NEW}'s chain`,
      ],
    ];
    for (const [item, message] of cases) {
      await expect(s.importRequests(exportFile([item]))).rejects.toThrow(message);
    }
    expect(await everyRequestContext(s, NEW)).toEqual([]);
  });

  it('refuses the whole file when one item of several is bad: nothing of the good ones is written', async () => {
    const { s, before } = await withLiveRequest();
    const fine = 'fine0000000000000000000000000001';
    const file = exportFile([
      { context: 'local', request: request(fine), chain: chain(fine), statuses: [], logs: [log(fine, 1, 'fine')] },
      { context: 'local', request: request(NEW), chain: chain(NEW), statuses: [], logs: [log(LIVE, 7, 'forged')] },
    ]);
    await expect(s.importRequests(file)).rejects.toThrow(/requests\[1\]\.logs\[0\]\.requestId/);
    expect(await everyRequestContext(s, fine)).toEqual([]);
    expect(await s.jobLogs('local', LIVE)).toEqual(before.logs);
  });

  it('refuses one request twice in a file, and names both places', async () => {
    const s = await openConsole();
    const item: Item = { context: 'local', request: request(NEW), chain: null, statuses: [], logs: [] };
    await expect(s.importRequests(exportFile([item, item]))).rejects.toThrow(
      `requests[1]: request ${NEW} of context local is also requests[0]`,
    );
  });

  it('keeps even a well-formed import of a live request apart from the live one', async () => {
    const { s, before } = await withLiveRequest();
    const file = exportFile([
      {
        context: 'local',
        request: { ...request(LIVE), state: STATE_FAIL },
        chain: chain(LIVE),
        statuses: [status(LIVE)],
        logs: [log(LIVE, 7, 'another machine saw this')],
      },
    ]);
    expect(await s.importRequests(file)).toEqual({
      imported: [{ context: 'local (imported from elsewhere)', id: LIVE }],
      skipped: 0,
    });
    expect(await s.request('local', LIVE)).toEqual(before.detail);
    expect(await s.jobLogs('local', LIVE)).toEqual(before.logs);
  });
});
