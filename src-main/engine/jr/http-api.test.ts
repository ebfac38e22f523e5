// The JR's HTTP API over real loopback HTTP, compared with the original's recorded exchanges;
// job logs go to a real HTTP RM (RecordingRm) through RequestManagerHttpLink.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { STATE_COMPLETE, STATE_STOPPED, encodeJobChain } from '../../shared/proto';
import { readExchange, type Exchange } from '../../../test/support/http-fixtures';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { listen, type Listening } from '../http/server';
import { silentLogger } from '../log';
import { jobRunnerRouter } from './http-api';
import { JobRunner } from './job-runner';
import { NOT_STARTED_AFTER_STOP } from './traverser';
import { RecordingRm } from '../../../test/support/engine/jr/recording-rm';
import { RequestManagerHttpLink } from './rm-http-link';
import { script, scriptedJobType } from '../../../test/support/engine/jr/scripted-job';
import { chainOf, job } from '../../../test/support/engine/jr/test-chains';

let rm: RecordingRm;
let jr: JobRunner;
let server: Listening;

beforeAll(async () => {
  rm = await new RecordingRm().start();
  jr = new JobRunner({
    factory: new JobFactory([...builtinJobTypes(), scriptedJobType([])]),
    rm: new RequestManagerHttpLink(rm.url),
    logger: silentLogger,
  });
  server = await listen(jobRunnerRouter(jr, { hostname: 'vm' }), '127.0.0.1:0');
});

afterAll(async () => {
  await jr.close({ drainMs: 1000 });
  await server.close();
  await rm.close();
});

interface Answer {
  status: number;
  type: string | null;
  location: string | null;
  body: string;
}

async function send(method: string, path: string, body?: string, contentType?: string): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    ...(body !== undefined ? { body } : {}),
    headers: contentType ? { 'Content-Type': contentType } : {},
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    location: res.headers.get('location'),
    body: await res.text(),
  };
}

/** Sends a recorded request as it was recorded. */
function replay(ex: Exchange): Promise<Answer> {
  return send(ex.method, ex.path, ex.request.body || undefined, ex.request.headers['content-type']);
}

/** The recorded answer, in the same shape. */
function recorded(ex: Exchange): Answer {
  const r = ex.response!;
  return {
    status: r.status,
    type: r.headers['content-type'] ?? null,
    location: r.headers['location'] ?? null,
    body: r.body,
  };
}

const CHAIN = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01';
const statusPath = `/api/v1/job-chains/${CHAIN}/status`;
/** Real processes and HTTP: poll the condition, with room for a busy machine. */
const polling = { timeout: 15_000, interval: 20 };

describe('JR HTTP API against the recorded original', () => {
  it('J1, J3, duplicate J1, J4, J2 like fixtures 120-127; the chain then ends STOPPED with every job logged', async () => {
    const create = readExchange('120-jr-create-job-chain.txt');
    expect(await replay(create)).toEqual(recorded(create));

    // echo@2 ran, nap@3 (4 s) is sleeping.
    const status = await vi.waitUntil(async () => {
      const s = await send('GET', statusPath);
      return s.body.includes('"nap@3"') && s;
    }, polling);
    const rec121 = recorded(readExchange('121-jr-job-chain-status.txt'));
    const since = (s: string) => s.replace(/since [0-9TZ:-]+/, 'since <time>');
    expect({ ...status, body: since(status.body) }).toEqual({ ...rec121, body: since(rec121.body) });

    const dup = readExchange('122-jr-create-job-chain-duplicate.txt');
    expect(await replay(dup)).toEqual(recorded(dup));

    const running = await send('GET', '/api/v1/status/running');
    const rec123 = recorded(readExchange('123-jr-status-running-after-duplicate.txt'));
    // Ours also carries the job's status text, where the original's J4 had "".
    const shape = (s: string) =>
      s
        .replace(/"runtime":[0-9.e-]+/, '"runtime":<n>')
        .replace(/"requestId":"a+0\d"/, '"requestId":<id>')
        .replace(/"status":"[^"]*"/, '"status":<text>');
    expect({ ...running, body: shape(running.body) }).toEqual({ ...rec123, body: shape(rec123.body) });
    expect(JSON.parse(running.body)[0].runtime).toBeGreaterThan(0);
    expect(JSON.parse(running.body)[0].status).toMatch(/^sleeping 4s since /);

    const stop = readExchange('127-jr-stop-job-chain.txt');
    const stopAnswer = await send('PUT', `/api/v1/job-chains/${CHAIN}/stop`);
    expect(stopAnswer).toEqual(recorded(stop));

    expect(await rm.waitForFinish(CHAIN)).toBe(STATE_STOPPED);
    const logs = rm.logsOf(CHAIN);
    expect(logs.map((l) => [l.jobId, l.try, l.type, l.state])).toEqual([
      ['start@1', 1, 'noop', STATE_COMPLETE],
      ['echo@2', 1, 'shell', STATE_COMPLETE],
      ['nap@3', 1, 'sleep', STATE_STOPPED],
      ['end@4', 0, 'noop', STATE_STOPPED],
    ]);
    expect(logs[1]).toMatchObject({ stdout: 'direct-from-curl\n', stderr: 'to-stderr\n', exit: 0 });
    expect(logs[3]?.error).toBe(NOT_STARTED_AFTER_STOP);

    // Once its finish call was answered, the chain is forgotten (fixtures 035, 059).
    await vi.waitUntil(async () => (await send('GET', statusPath)).status === 404, polling);
    for (const file of ['035-jr-job-chain-status-after-done.txt', '059-jr-stop-job-chain-gone.txt']) {
      const ex = readExchange(file);
      const answer = await send(ex.method, ex.path.replace(/[0-9a-f]{32}/, CHAIN));
      expect(answer).toEqual(recorded(ex));
    }
    const idle = readExchange('012-jr-status-running-idle.txt');
    expect(await replay(idle)).toEqual(recorded(idle));
  });

  it.each([
    '164-jr-create-job-chain-no-content-type.txt',
    '165-jr-job-chain-status-unknown.txt',
    '166-jr-stop-job-chain-unknown.txt',
    '167-jr-unknown-route.txt',
    '168-jr-wrong-method.txt',
    '169-jr-unknown-route-404.txt',
  ])('answers %s exactly as the original', async (file) => {
    const ex = readExchange(file);
    expect(await replay(ex)).toEqual(recorded(ex));
  });

  it('bad JSON is a 400 (fixture 163; the message is ours)', async () => {
    const answer = await replay(readExchange('163-jr-create-job-chain-bad-json.txt'));
    expect(answer.status).toBe(400);
    expect(answer.type).toBe('text/plain; charset=utf-8');
  });

  it('refuses a chain with an unknown job type (fixture 160; the original took it and failed the job)', async () => {
    const answer = await replay(readExchange('160-jr-create-job-chain-unknown-job-type.txt'));
    expect(answer).toEqual({
      status: 400,
      type: 'text/plain; charset=utf-8',
      location: null,
      body: 'job "b@2": unknown job type "teleport"',
    });
    expect(rm.logsOf('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa05')).toEqual([]);
  });
});

describe('invalid chains: 400 with the text, and the JR keeps serving', () => {
  it.each([
    [
      '180-jr-create-job-chain-invalid-crashes.txt',
      'chain has 2 first job(s), should have one (first job(s) = [a@1 b@2])',
    ],
    ['181-jr-create-job-chain-empty-object-crashes.txt', 'chain has no requestId'],
  ])('%s', async (file, text) => {
    const answer = await replay(readExchange(file));
    expect(answer).toEqual({ status: 400, type: 'text/plain; charset=utf-8', location: null, body: text });
    expect((await send('GET', '/api/v1/status/running')).status).toBe(200);
  });

  it.each([
    ['[]', 'JobChain: expected an object, got an array'],
    ['"chain"', 'JobChain: expected an object, got "chain"'],
    ['null', 'chain has no requestId'],
    ['{"requestId":"x","jobs":{}}', 'chain has no jobs'],
    [
      '{"requestId":"x","jobs":{"a":{"type":"noop"}},"adjacencyList":{"a":["b"]}}',
      'invalid adjacency list: some jobs exist in chain.AdjacencyList but not chain.Jobs',
    ],
    [
      '{"requestId":"x","jobs":{"a":{"type":"noop","retry":-1}}}',
      'JobChain.jobs["a"].retry: expected an integer from 0 to 9007199254740991, got -1',
    ],
    // What the RM would refuse, the JR refuses too (check-chain.ts), every problem named.
    [
      '{"requestId":"x","jobs":{"a":{"type":"noop","retry":9007199254740991,"retryWait":3000000000000}}}',
      'job "a": retry 9007199254740991 is more than the most retries allowed (1000); job "a": retryWait 3000000000000 ms is longer than the longest wait allowed (31536000000 ms, one year)',
    ],
    [
      `{"requestId":"x","jobs":{"a":{"type":"sleep","bytes":"${btoa('{"seconds":-1}')}"}}}`,
      'job "a" (sleep): sleep job bytes: seconds must be a non-negative number',
    ],
    [
      `{"requestId":"x","jobs":{"a":{"type":"sleep","bytes":"${btoa('{"seconds":1e300}')}"}}}`,
      'job "a" (sleep): sleep job bytes: seconds 1e+300 is longer than the longest sleep allowed (31536000 s)',
    ],
    [
      '{"requestId":"x","jobs":{"a":{"type":"noop","args":{"timeout":"soon"}}}}',
      'job "a": timeout (args.timeout) must be a number of milliseconds',
    ],
    [
      '{"requestId":"x","jobs":{"a":{"type":"noop"},"__proto__":{"type":"noop"}},"adjacencyList":{"__proto__":["a"]}}',
      'job "__proto__": "__proto__" is not allowed as a job id',
    ],
  ])('%s', async (body, text) => {
    expect(await send('POST', '/api/v1/job-chains', body, 'application/json')).toEqual({
      status: 400,
      type: 'text/plain; charset=utf-8',
      location: null,
      body: text,
    });
  });
});

describe('job logs over the wire', () => {
  it('keeps exit codes outside 0-255 (int64)', async () => {
    const chain = chainOf(
      'wire-exit',
      { a: job('scripted', script({ state: STATE_COMPLETE, exit: 300 })), b: job('shell', { cmd: 'exit 3' }) },
      [['a', 'b']],
    );
    const answer = await send('POST', '/api/v1/job-chains', encodeJobChain(chain), 'application/json');
    expect(answer.status).toBe(200);
    expect(await rm.waitForFinish('wire-exit')).toBe(4);
    expect(rm.logsOf('wire-exit').map((l) => [l.jobId, l.state, l.exit, l.error])).toEqual([
      ['a', 3, 300, ''],
      ['b', 4, 3, 'exit status 3'],
    ]);
  });
});
