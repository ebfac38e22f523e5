// Contract handlers and dispatch: version() answers, every untrusted arguments object is
// refused with a 'bad-request' result naming the method and the bad field, and what console
// main answers is checked where its method's result schema checks.

import { ConsoleService } from './service';
import { describe, expect, it } from 'vitest';
import { dispatch } from './dispatch';
import { MAX_LOG_SLICE } from '../shared/ipc';
import { createHandlers, type ContractHandlers } from './handlers';
import { describeRuntime, PROTOCOL_REVISION } from './runtime-info';

const handlers = createHandlers({ appVersion: '1.2.3', runtime: 'node 20.20.2' });

describe('version()', () => {
  it('reports app, protocol and runtime', async () => {
    expect(await handlers.version({})).toEqual({
      ok: true,
      value: { app: '1.2.3', protocol: PROTOCOL_REVISION, runtime: 'node 20.20.2' },
    });
    expect(PROTOCOL_REVISION).toBe('bca299b (2017-08-29)');
  });

  it('refuses fields it does not take', async () => {
    const result = await handlers.version({ surprise: 1 });
    expect(result).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'version(): unknown field: surprise' },
    });
  });
});

describe('dispatch', () => {
  it('routes a known method', async () => {
    expect((await dispatch(handlers, 'version', {})).ok).toBe(true);
    // no arguments object at all: no arguments
    expect((await dispatch(handlers, 'version', undefined)).ok).toBe(true);
  });

  it('names an unknown method', async () => {
    expect(await dispatch(handlers, 'rm -rf', [])).toEqual({
      ok: false,
      error: { code: 'bad-request', message: "unknown method 'rm -rf'" },
    });
  });

  it('does not treat inherited object keys as methods', async () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const result = await dispatch(handlers, name, []);
      expect(result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
  });

  it('refuses a non-string method and arguments that are not one object', async () => {
    expect(await dispatch(handlers, 42, {})).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: 'method must be a string, got number' },
    });
    expect(await dispatch(handlers, 'version', [])).toMatchObject({
      ok: false,
      error: {
        code: 'bad-request',
        message: 'version(): the arguments must be one object of named fields, got an array',
      },
    });
    expect(await dispatch(handlers, 'version', null)).toMatchObject({
      ok: false,
      error: { message: 'version(): the arguments must be one object of named fields, got null' },
    });
    expect(await dispatch(handlers, 'removeContext', 'prod')).toMatchObject({
      ok: false,
      error: { message: 'removeContext(): the arguments must be one object of named fields, got string' },
    });
  });

  it('truncates a huge unknown method name in the message', async () => {
    const result = await dispatch(handlers, 'x'.repeat(10_000), []);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message.length).toBeLessThan(120);
  });

  it('turns a throwing handler into an internal error', async () => {
    const broken: ContractHandlers = { ...handlers, version: () => Promise.reject(new Error('disk on fire')) };
    expect(await dispatch(broken, 'version', {})).toEqual({
      ok: false,
      error: { code: 'internal', message: 'version() failed: disk on fire' },
    });
  });
});

describe('describeRuntime', () => {
  it('describes plain Node and Electron', () => {
    expect(describeRuntime({ node: '20.20.2' })).toBe('node 20.20.2');
    expect(describeRuntime({ node: '22.20.0', electron: '45.5.0', chrome: '140.0.7339.41' })).toBe(
      'electron 45.5.0 / chrome 140.0.7339.41 / node 22.20.0',
    );
  });
});

describe('putContext', () => {
  it('takes an absent or null previous name, and names a bad field', async () => {
    const service = await ConsoleService.open({ cacheFile: ':memory:', emit: () => {} });
    const h = createHandlers({ appVersion: '1', runtime: 'node', service });
    const ctx = {
      name: 'prod',
      url: 'http://rm.example:8888',
      envLabel: 'production',
      envColor: '#d32f2f',
      embedded: false,
    };
    expect(await h.putContext({ context: ctx, previousName: null })).toEqual({
      ok: true,
      value: { ...ctx, auth: null },
    });
    expect(await h.putContext({ context: { ...ctx, envLabel: 'prod' } })).toMatchObject({
      ok: true,
      value: { envLabel: 'prod' },
    });
    expect(await h.putContext({ context: { ...ctx, url: 'ftp://x' } })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringMatching(/^putContext\(\): context\.url: /) },
    });
    expect(await h.putContext({ context: { ...ctx, envColor: 'red' } })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'putContext(): context.envColor: a colour like #d32f2f' },
    });
    expect(await h.putContext({ context: ctx, previous: 'x' })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'putContext(): unknown field: previous' },
    });
    await service.stop();
  });
});

describe('job log summaries and slices', () => {
  it('reads summaries and text slices from the cache, and refuses bad slices', async () => {
    const service = await ConsoleService.open({ cacheFile: ':memory:', emit: () => {} });
    const h = createHandlers({ appVersion: '1', runtime: 'node', service });
    await service.cache.logs.put('local', [
      {
        requestId: 'r1',
        jobId: 'j@1',
        try: 1,
        type: 'shell',
        startedAt: 1n,
        finishedAt: 2n,
        state: 3,
        exit: 0,
        error: '',
        stdout: 'abcdefghij',
        stderr: '',
      },
    ]);
    const ref = { context: 'local', id: 'r1' };
    const slice = { ...ref, jobId: 'j@1', try: 1, stream: 'stdout', offset: 0, length: 4 };
    expect(await h.jobLogSummaries({ ...ref, offset: 0, limit: 10 })).toMatchObject({
      ok: true,
      value: { total: 1, items: [{ jobId: 'j@1', try: 1, stdoutBytes: 10, stderrBytes: 0 }] },
    });
    expect(await h.jobLogText({ ...slice, offset: 3 })).toEqual({
      ok: true,
      value: { text: 'defg', total: 10 },
    });
    expect(await h.jobLogText({ ...slice, try: 2 })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    for (const [bad, field] of [
      [{ stream: 'error' }, 'stream'],
      [{ offset: -1 }, 'offset'],
      [{ length: 0 }, 'length'],
      [{ length: MAX_LOG_SLICE + 1 }, 'length'],
      [{ try: 1.5 }, 'try'],
      [{ id: '' }, 'id'],
    ] as const) {
      expect(await h.jobLogText({ ...slice, ...bad })).toMatchObject({
        ok: false,
        error: { code: 'bad-request', message: expect.stringMatching(new RegExp(`^jobLogText\\(\\): ${field}: `)) },
      });
    }
    const { jobId: _jobId, ...noJob } = slice;
    expect(await h.jobLogText(noJob)).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'jobLogText(): jobId is missing' },
    });
    expect(await h.jobLogSummaries({ ...ref, offset: 0, limit: 0 })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringMatching(/^jobLogSummaries\(\): limit: /) },
    });
    await service.stop();
  });
});

describe('results', () => {
  it('checks what console main answers where the result schema checks', async () => {
    const odd = createHandlers({ appVersion: 7 as unknown as string, runtime: 'node' });
    expect(await odd.version({})).toEqual({
      ok: false,
      error: {
        code: 'internal',
        message: 'version(): app: Invalid input: expected string, received number (in what console main answered)',
      },
    });
  });

  it('answers settings checked, and a change of some of them', async () => {
    const service = await ConsoleService.open({ cacheFile: ':memory:', emit: () => {} });
    const h = createHandlers({ appVersion: '1', runtime: 'node', service });
    const changed = await h.updateSettings({ theme: 'dark', intervals: { viewedMs: 2000 } });
    expect(changed).toMatchObject({ ok: true, value: { theme: 'dark', intervals: { viewedMs: 2000, otherMs: 5000 } } });
    expect(await h.updateSettings({ theme: 'purple' })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringMatching(/^updateSettings\(\): theme: /) },
    });
    expect(await h.settings({})).toEqual(changed);
    await service.stop();
  });
});
