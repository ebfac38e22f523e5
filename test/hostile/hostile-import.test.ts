// Hostile export files through the console contract, as a page sends them (the console core,
// its cache worker, a real SQLite file): an item whose parts name another request must not
// write into that request's cache (issue 14 item 3), and a file with one bad part is refused
// whole as a bad request, naming the part in a message of readable length, with nothing
// written. The tally counts a handler failure ('internal') as a 5xx and a lost cache worker as
// a crash.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/console/dispatch';
import { createHandlers, type ContractHandlers } from '../../src-main/console/handlers';
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
import { chainView, type ImportResult } from '../../src-main/shared/console-model';
import type { Result } from '../../src-main/shared/result';
import { wireJobLog, wireJobStatus, wireRequest } from '../support/wire-records';
import { Tally } from './harness';

const tally = new Tally('imports');
afterAll(() => console.log(tally.line()));

interface Console {
  s: ConsoleService;
  handlers: ContractHandlers;
  /** What the console reported on its own (a lost cache worker among them). */
  problems: string[];
}

const consoles: Console[] = [];
afterEach(async () => {
  for (const c of consoles.splice(0)) {
    tally.crashed({ alive: () => !c.problems.some((p) => /worker stopped/.test(p)) });
    await c.s.stop();
  }
});

async function openConsole(): Promise<Console> {
  const cacheFile = path.join(mkdtempSync(path.join(tmpdir(), 'sc-hostile-import-')), 'cache.db');
  const problems: string[] = [];
  const s = await ConsoleService.open({ cacheFile, emit: () => {}, log: (line) => problems.push(line) });
  const c = { s, handlers: createHandlers({ appVersion: 'test', runtime: 'node', service: s }), problems };
  consoles.push(c);
  return c;
}

/** The file imported through the contract, as the requests list's Import sends it. */
function importFile(c: Console, text: string): Promise<Result<ImportResult>> {
  return tally.contract(dispatch(c.handlers, 'importRequests', { text }) as Promise<Result<ImportResult>>);
}

/** The refusal an import must be: a bad request, its message naming what was wrong, at a readable length. */
async function refused(c: Console, text: string): Promise<string> {
  const r = await importFile(c, text);
  if (r.ok) throw new Error(`imported: ${JSON.stringify(r.value)}`);
  expect(r.error.code).toBe('bad-request');
  expect(r.error.message.length).toBeLessThan(400);
  return r.error.message;
}

const LIVE = 'live0000000000000000000000000001';
const NEW = 'new00000000000000000000000000001';

const request = (id: string) =>
  wireRequest(id, { state: STATE_COMPLETE, finishedAt: '2026-11-27T10:00:05Z', finishedJobs: 1 });

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

/** Try `tryN` of the one job; a try 7 is a failed one (what a forged log would add). */
const log = (requestId: string, tryN: number, stdout: string) =>
  wireJobLog(requestId, 'deploy@1', tryN, { stdout, ...(tryN === 7 ? { state: STATE_FAIL, exit: 1 } : {}) });

const status = (requestId: string) => wireJobStatus(requestId, 'deploy@1');

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

/** What the cache holds of the live request: all of it must be there, as it was, after an import. */
async function liveState(s: ConsoleService) {
  return { detail: await s.request('local', LIVE), logs: await s.jobLogs('local', LIVE) };
}

/** A console whose `local` context holds a live request, cached as the sync caches one. */
async function withLiveRequest() {
  const c = await openConsole();
  const { s } = c;
  await s.cache.requests.put('local', request(LIVE));
  await s.cache.chains.putChain('local', LIVE, chainView(chain(LIVE)));
  await s.cache.chains.putStatuses('local', LIVE, [status(LIVE)]);
  await s.cache.logs.put('local', [log(LIVE, 1, 'deployed v41')]);
  const before = await liveState(s);
  /** The live request is as it was (counted as data lost if not). */
  const unchanged = async () => {
    const after = await liveState(s);
    if (!isDeepStrictEqual(after, before)) tally.lost();
    expect(after).toEqual(before);
  };
  return { c, s, unchanged };
}

/** Which of the contexts an import could write (the live one, the imported source) hold request `id`. */
async function everyRequestContext(s: ConsoleService, id: string): Promise<string[]> {
  const contexts = ['local', 'local (imported from elsewhere)'];
  const found = await Promise.all(contexts.map(async (c) => ((await s.cache.requests.get(c, id)) ? c : null)));
  return found.filter((c): c is string => c !== null);
}

/** The parts of a good item of request `id`. */
const good = (id = NEW): Item => ({
  context: 'local',
  request: request(id),
  chain: chain(id),
  statuses: [status(id)],
  logs: [log(id, 1, 'ok')],
});

describe('hostile imports', () => {
  it("refuses an item whose chain and logs name a live request, and leaves that request's cache as it was", async () => {
    const { c, s, unchanged } = await withLiveRequest();
    const hostile = exportFile([
      {
        context: 'local',
        request: request(NEW),
        chain: { ...chain(LIVE), jobs: { 'deploy@1': { ...chain(LIVE).jobs['deploy@1']!, type: 'forged' } } },
        statuses: [],
        logs: [log(LIVE, 7, 'rm -rf / (a fake try 7)')],
      },
    ]);
    expect(await refused(c, hostile)).toBe(
      `requests[0].chain.requestId: "${LIVE}" is not this item's request (${NEW})`,
    );
    await unchanged();
    expect(await everyRequestContext(s, NEW)).toEqual([]);
    expect(await s.searchLogs('fake')).toEqual([]);
  });

  it('names the first stray part: a log, a job status, a job or an edge outside the chain', async () => {
    const c = await openConsole();
    const cases: Array<[Item, string]> = [
      [{ ...good(), logs: [log(NEW, 1, 'ok'), log(LIVE, 7, 'forged')] }, `requests[0].logs[1].requestId: "${LIVE}"`],
      [{ ...good(), chain: null, logs: [log(LIVE, 7, 'forged')] }, `requests[0].logs[0].requestId: "${LIVE}"`],
      [{ ...good(), statuses: [status(LIVE)] }, `requests[0].statuses[0].requestId: "${LIVE}"`],
      [
        { ...good(), logs: [{ ...log(NEW, 2, 'x'), jobId: 'other@9' }] },
        `requests[0].logs[0].jobId: "other@9" is not a job of request ${NEW}'s chain`,
      ],
      [
        { ...good(), chain: { ...chain(NEW), adjacencyList: { 'deploy@1': ['other@9'] } } },
        `requests[0].chain.adjacencyList["deploy@1"][0]: "other@9" is not a job of request ${NEW}'s chain`,
      ],
      [
        { ...good(), chain: { ...chain(NEW), jobs: { 'other@9': chain(NEW).jobs['deploy@1']! } } },
        `requests[0].chain.jobs["other@9"]: holds job "deploy@1"`,
      ],
    ];
    for (const [item, message] of cases) expect(await refused(c, exportFile([item]))).toContain(message);
    expect(await everyRequestContext(c.s, NEW)).toEqual([]);
  });

  it('refuses the whole file when one item of several is bad: nothing of the good ones is written', async () => {
    const { c, s, unchanged } = await withLiveRequest();
    const fine = 'fine0000000000000000000000000001';
    const file = exportFile([
      { context: 'local', request: request(fine), chain: chain(fine), statuses: [], logs: [log(fine, 1, 'fine')] },
      { context: 'local', request: request(NEW), chain: chain(NEW), statuses: [], logs: [log(LIVE, 7, 'forged')] },
    ]);
    expect(await refused(c, file)).toMatch(/^requests\[1\]\.logs\[0\]\.requestId/);
    expect(await everyRequestContext(s, fine)).toEqual([]);
    await unchanged();
  });

  it('refuses one request, one status or one try said twice, and names both places', async () => {
    const c = await openConsole();
    const item: Item = { context: 'local', request: request(NEW), chain: null, statuses: [], logs: [] };
    expect(await refused(c, exportFile([item, item]))).toBe(
      `requests[1]: request ${NEW} of context local is also requests[0]`,
    );
    const twice: Array<[Item, string]> = [
      [
        { ...good(), logs: [log(NEW, 1, 'one'), log(NEW, 2, 'two'), log(NEW, 1, 'one again, or not')] },
        'requests[0].logs[2]: try 1 of job "deploy@1" is also logs[0]',
      ],
      [
        { ...good(), statuses: [status(NEW), { ...status(NEW), state: STATE_FAIL }] },
        'requests[0].statuses[1]: the status of job "deploy@1" is also statuses[0]',
      ],
    ];
    for (const [it, message] of twice) expect(await refused(c, exportFile([it]))).toBe(message);
    expect(await everyRequestContext(c.s, NEW)).toEqual([]);
  });

  it('keeps even a well-formed import of a live request apart from the live one', async () => {
    const { c, unchanged } = await withLiveRequest();
    const file = exportFile([
      {
        context: 'local',
        request: { ...request(LIVE), state: STATE_FAIL },
        chain: chain(LIVE),
        statuses: [status(LIVE)],
        logs: [log(LIVE, 7, 'another machine saw this')],
      },
    ]);
    expect(await importFile(c, file)).toEqual({
      ok: true,
      value: { imported: [{ context: 'local (imported from elsewhere)', id: LIVE }], skipped: 0 },
    });
    await unchanged();
  });

  it('refuses files that are not exports, values no JSON can carry back, and sizes nobody could open', async () => {
    const { c, s, unchanged } = await withLiveRequest();
    const item = (over: string) =>
      `{"format":"spincycle-console-export","version":1,"exportedFrom":"elsewhere","requests":[${over}]}`;
    const one = exportFile([good()])
      .replace(/^.*"requests":\[/, '')
      .replace(/\]\}$/, '');
    const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    const cases: Array<[string, string, string | RegExp]> = [
      ['empty', '', 'importRequests(): text: the file is empty'],
      ['truncated', exportFile([good()]).slice(0, -3), /^not an export file: malformed JSON: /],
      ['not an export', '{"requests":[]}', 'not an export file: expected "format": "spincycle-console-export"'],
      [
        'a newer format',
        item('').replace('"version":1', '"version":3'),
        'unsupported export version 3 (this console reads 1 and 2)',
      ],
      [
        'args of 1e400',
        item(one.replace('"args":null', '"args":{"n":1e400}')),
        /^requests\[0\]\.args\.n: expected a finite number, got Infinity$/,
      ],
      [
        'args nested 100,000 deep',
        item(one.replace('"args":null', `"args":{"n":${deep(100_000)}}`)),
        // Too deep for the parser's stack, or else for the import's limit.
        /^(not an export file: JSON nested too deep to read|requests\[0\]\.args\.n(\[0\])+… .*: nested deeper than 100 levels)$/,
      ],
      [
        "a job's args nested 1,000 deep",
        item(one.replace('"args":null,"data"', `"args":{"n":${deep(1000)}},"data"`)),
        /^requests\[0\]\.chain\.jobs\.deploy@1\.args\.n(\[0\])+… .*: nested deeper than 100 levels$/,
      ],
      [
        'a request id of 100,000 characters',
        item(one.replaceAll(NEW, 'x'.repeat(100_000))),
        'requests[0].request.id: expected a request id of 1 to 200 characters',
      ],
      [
        'a context name of 1 MB',
        item(one.replace('"context":"local"', `"context":"${'a'.repeat(1 << 20)}"`)),
        /^requests\[0\]\.context: expected a context name, got "a+… \(\d+ more characters\)$/,
      ],
    ];
    for (const [what, text, message] of cases) {
      const said = await refused(c, text);
      if (typeof message === 'string') expect(said, what).toBe(message);
      else expect(said, what).toMatch(message);
    }
    expect(await everyRequestContext(s, NEW)).toEqual([]);
    expect(await everyRequestContext(s, 'x'.repeat(100_000))).toEqual([]);
    await unchanged();
  });
});

describe('tally', () => {
  it('no crash, hang, 5xx or lost data', () => {
    expect(tally.result).toMatchObject({ crashes: 0, hangs: 0, serverErrors: 0, dataLost: 0 });
  });
});
