// Contract handlers and dispatch: version() answers, and every untrusted argument shape
// is refused with a 'bad-request' result naming what was wrong.

import { ConsoleService } from './service';
import { describe, expect, it } from 'vitest';
import { dispatch } from './dispatch';
import { createHandlers, MAX_LOG_SLICE, type ContractHandlers } from './handlers';
import { describeRuntime, PROTOCOL_REVISION } from './runtime-info';

const handlers = createHandlers({ appVersion: '1.2.3', runtime: 'node 20.20.2' });

describe('version()', () => {
  it('reports app, protocol and runtime', async () => {
    expect(await handlers.version([])).toEqual({
      ok: true,
      value: { app: '1.2.3', protocol: PROTOCOL_REVISION, runtime: 'node 20.20.2' },
    });
    expect(PROTOCOL_REVISION).toBe('bca299b (2017-08-29)');
  });

  it('refuses extra arguments', async () => {
    const result = await handlers.version(['surprise']);
    expect(result).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'version() takes no arguments, got 1' },
    });
  });
});

describe('dispatch', () => {
  it('routes a known method', async () => {
    const result = await dispatch(handlers, 'version', []);
    expect(result.ok).toBe(true);
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

  it('refuses a non-string method and non-array args', async () => {
    expect(await dispatch(handlers, 42, [])).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: 'method must be a string, got number' },
    });
    expect(await dispatch(handlers, 'version', { 0: 1 })).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: 'version(): args must be an array, got object' },
    });
    expect(await dispatch(handlers, 'version', null)).toMatchObject({
      ok: false,
      error: { message: 'version(): args must be an array, got null' },
    });
  });

  it('truncates a huge unknown method name in the message', async () => {
    const result = await dispatch(handlers, 'x'.repeat(10_000), []);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message.length).toBeLessThan(120);
  });

  it('turns a throwing handler into an internal error', async () => {
    const broken: ContractHandlers = { ...handlers, version: () => Promise.reject(new Error('disk on fire')) };
    expect(await dispatch(broken, 'version', [])).toEqual({
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

describe('putContext over a JSON transport', () => {
  it('takes null for the absent previous name, as JSON sends it', async () => {
    const service = await ConsoleService.open({ cacheFile: ':memory:', emit: () => {} });
    const h = createHandlers({ appVersion: '1', runtime: 'node', service });
    const ctx = {
      name: 'prod',
      url: 'http://rm.example:8888',
      envLabel: 'production',
      envColor: '#d32f2f',
      embedded: false,
    };
    expect(await h.putContext([ctx, null])).toEqual({ ok: true, value: { ...ctx, auth: null } });
    expect(await h.putContext([{ ...ctx, url: 'ftp://x' }])).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
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
    expect(await h.jobLogSummaries(['local', 'r1', 0, 10])).toMatchObject({
      ok: true,
      value: { total: 1, items: [{ jobId: 'j@1', try: 1, stdoutBytes: 10, stderrBytes: 0 }] },
    });
    expect(await h.jobLogText(['local', 'r1', 'j@1', 1, 'stdout', 3, 4])).toEqual({
      ok: true,
      value: { text: 'defg', total: 10 },
    });
    expect(await h.jobLogText(['local', 'r1', 'j@1', 2, 'stdout', 0, 4])).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    for (const bad of [
      ['local', 'r1', 'j@1', 1, 'error', 0, 4],
      ['local', 'r1', 'j@1', 1, 'stdout', -1, 4],
      ['local', 'r1', 'j@1', 1, 'stdout', 0, 0],
      ['local', 'r1', 'j@1', 1, 'stdout', 0, MAX_LOG_SLICE + 1],
      ['local', 'r1', 'j@1', 1.5, 'stdout', 0, 4],
    ]) {
      expect(await h.jobLogText(bad)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    expect(await h.jobLogSummaries(['local', 'r1', 0, 0])).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    await service.stop();
  });
});
