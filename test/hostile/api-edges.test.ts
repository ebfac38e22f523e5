// Issue 14 item 10: small API cases, against real `spincycle` processes. A number JSON cannot
// carry back (1e400) is a 400; exit codes are stored exactly within ±(2^53-1) and refused
// beyond, naming the field (README "Where we differ"); a 60 MB unknown type comes back cut;
// spec problems are all reported at once; a specs folder without request types warns, or with
// --require-specs refuses to start.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EXAMPLE_SPECS,
  Tally,
  runSpincycle,
  send,
  startPair,
  startProcess,
  startServer,
  tempDir,
  until,
  type EngineProcess,
} from './harness';

// Real processes on 2 shared cores: starting one takes seconds.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const tally = new Tally('API edges');
const temp = tempDir();
let server: EngineProcess;
let rm: EngineProcess;
let jr: EngineProcess;

beforeAll(async () => {
  [server, { rm, jr }] = await Promise.all([
    startServer(EXAMPLE_SPECS, path.join(temp.dir, 'server')),
    startPair(EXAMPLE_SPECS, path.join(temp.dir, 'rm')),
  ]);
});

afterAll(async () => {
  await Promise.all([server, rm, jr].map((p) => p?.stop()));
  temp.remove();
  console.log(tally.line());
});

const create = (base: string, body: string) => tally.call(base, { method: 'POST', path: '/api/v1/requests', body });

describe('numbers', () => {
  it('Args {"msg":1e400} is a 400 naming the field, not a 500', async () => {
    for (const body of [
      '{"type":"hello","args":{"msg":1e400}}',
      '{"type":"hello","args":{"msg":-1e400}}',
      '{"type":"rolling-restart","args":{"hosts":["a",[1e999]]}}',
    ]) {
      const a = await create(server.rmUrl, body);
      expect(a.status).toBe(400);
      expect(a.text).toMatch(/^CreateRequestParams\.Args\..*: expected a finite number, got -?Infinity$/);
    }
    tally.crashed(server);
  });

  it('exit codes: stored exactly within ±(2^53-1), a 400 naming JobLog.exit beyond', async () => {
    const a = await create(rm.rmUrl, '{"type":"long-job","args":{"seconds":"300"}}');
    const id = (JSON.parse(a.text) as { id: string }).id;
    const chain = JSON.parse((await send(rm.rmUrl, { path: `/api/v1/requests/${id}/job-chain` })).text) as {
      jobs: Record<string, unknown>;
    };
    const napId = Object.keys(chain.jobs).find((j) => j.startsWith('nap@')) ?? '';
    const post = (t: number, exit: string) =>
      tally.call(rm.rmUrl, {
        method: 'POST',
        path: `/api/v1/requests/${id}/log`,
        body: `{"jobId":"${napId}","try":${t},"state":4,"exit":${exit}}`,
      });
    for (const [t, exit] of [
      [11, '9007199254740991'],
      [12, '-9007199254740991'],
      [13, '-1'],
      [14, '255'],
    ] as const) {
      const stored = await post(t, exit);
      expect(stored.status).toBe(201);
      expect(stored.text).toContain(`"exit":${exit},`);
    }
    for (const [t, exit] of [
      [21, '9007199254740992'],
      [22, '9223372036854775807'],
      [23, '-9223372036854775808'],
      [24, '1.5'],
    ] as const) {
      const refused = await post(t, exit);
      expect(refused.status).toBe(400);
      expect(refused.text).toMatch(
        /^JobLog\.exit: expected an integer from -9007199254740991 to 9007199254740991, got /,
      );
    }
    const logs = JSON.parse((await send(rm.rmUrl, { path: `/api/v1/requests/${id}/log` })).text) as Array<{
      try: number;
      exit: number;
    }>;
    expect(logs.filter((l) => l.try > 10).map((l) => [l.try, l.exit])).toEqual([
      [11, 9007199254740991],
      [12, -9007199254740991],
      [13, -1],
      [14, 255],
    ]);
    await tally.call(rm.rmUrl, { method: 'PUT', path: `/api/v1/requests/${id}/stop` });
    tally.crashed(rm, jr);
  });
});

describe('echoed input is cut', () => {
  it('a 60 MB unknown type comes back in a short 400', async () => {
    const type = 'x'.repeat(60 * 1024 * 1024);
    const a = await create(server.rmUrl, `{"type":"${type}","args":{}}`);
    expect(a.status).toBe(400);
    expect(a.text).toMatch(/^cannot find definition for request: x{100}… \(62914460 more characters\)$/);
    const args = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`${'k'.repeat(10_000)}${i}`, 1]));
    const b = await create(server.rmUrl, JSON.stringify({ type: 'hello', args }));
    expect(b.status).toBe(400);
    expect(b.text.length).toBeLessThan(4200);
    expect(b.text).toMatch(/^unknown args "k{100}… \(\d+ more characters\)", .* and 180 more for request type "hello"/);
    tally.crashed(server);
  });
});

describe('specs at start-up', () => {
  it('reports a node error and an unknown job type in one go (exit 2)', async () => {
    const specs = tempDir({
      'a.yaml': `noop-node: {category: job, type: noop}
sequences:
  s:
    nodes:
      a: {type: shell, retry: -1}
      b: {type: shel, deps: [a]}
`,
    });
    try {
      const r = await runSpincycle(['server', '--specs', specs.dir, '--data', path.join(specs.dir, 'data')]);
      tally.count();
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('node "a": retry must be a whole number from 0 to 1000, got -1');
      expect(r.stderr).toContain('node "b": unknown job type "shel" (did you mean "shell"?)');
    } finally {
      specs.remove();
    }
  });

  it('no request types: a warning, or with --require-specs a refusal (exit 2)', async () => {
    const empty = tempDir({ 'README.md': 'no specs here' });
    try {
      const refused = await runSpincycle([
        'server',
        '--specs',
        empty.dir,
        '--require-specs',
        '--data',
        path.join(empty.dir, 'd1'),
      ]);
      tally.count();
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('no request types: the folder has no *.yaml file defining a sequence');
      const warned = await startProcess([
        'rm',
        '--specs',
        empty.dir,
        '--data',
        path.join(empty.dir, 'd2'),
        '--jr-url',
        jr.jrUrl,
        '--addr',
        '127.0.0.1:0',
      ]);
      tally.count();
      try {
        expect(warned.log()).toMatch(
          / warn no request types: the folder has no \*\.yaml file defining a sequence; every create will be refused/,
        );
        expect((await tally.call(warned.rmUrl, { path: '/api/v1/request-list' })).text).toBe('[]');
        await until('alive', () => warned.alive());
      } finally {
        await warned.stop();
      }
    } finally {
      empty.remove();
    }
  });
});

describe('tally', () => {
  it('no crash, hang, 5xx or lost data', () => {
    expect(tally.result).toMatchObject({ crashes: 0, hangs: 0, serverErrors: 0, dataLost: 0 });
  });
});
