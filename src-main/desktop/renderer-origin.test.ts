// The app:// scheme's answers, from a real renderer folder on disk: the files with their types
// and headers, no way out of the folder, the error page after repeated renderer deaths, and the
// policy deciding between reloading the page and showing that error page.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, ERROR_PAGE_POLICY } from './csp';
import { answerRendererRequest, PAGE_URL, rendererGoneUrl, resolveRendererRequest } from './renderer-origin';
import { MAX_RELOADS, RELOAD_WINDOW_MS, RendererRecovery } from './renderer-recovery';

let root: string;
beforeAll(() => {
  const base = mkdtempSync(path.join(tmpdir(), 'sc-renderer-'));
  root = path.join(base, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Spin Cycle</title>');
  writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'export {}');
  writeFileSync(path.join(root, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(path.join(base, 'secret.txt'), 'outside the renderer folder');
});

describe('answerRendererRequest', () => {
  it('serves the page and its assets with their types and the console headers', async () => {
    const page = await answerRendererRequest(`${PAGE_URL}#/requests`, root, null);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Spin Cycle</title>');

    const script = await answerRendererRequest('app://console/assets/index-abc.js', root, null);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('export {}');
    const style = await answerRendererRequest('app://console/assets/index-abc.css', root, null);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await answerRendererRequest('app://console/', root, null)).status).toBe(200);
  });

  it('answers 404 for missing files, other hosts and every way out of the folder', async () => {
    for (const url of [
      'app://console/nope.js',
      'app://console/assets',
      'app://other/index.html',
      'app://console/%2e%2e/secret.txt',
      'app://console/..%2Fsecret.txt',
      'app://console/assets/..%2F..%2Fsecret.txt',
      'app://console/%00index.html',
    ]) {
      const res = await answerRendererRequest(url, root, null);
      expect(res.status, url).toBe(404);
      expect(await res.text()).not.toContain('outside');
    }
    expect((await answerRendererRequest('app://console/%E0%A4%A', root, null)).status).toBe(400);
  });

  it('serves the error page: no script, the reason, a way back, and where the log is', async () => {
    const url = rendererGoneUrl('crashed', 4);
    expect(resolveRendererRequest(url, root)).toEqual({ kind: 'renderer-gone', reason: 'crashed', times: 4 });
    const res = await answerRendererRequest(url, root, '/home/op/.local/share/spincycle-console/logs');
    expect(res.headers.get('content-security-policy')).toBe(ERROR_PAGE_POLICY);
    const html = await res.text();
    expect(html).toContain("The console's page stopped 4 times");
    expect(html).toContain('<code>crashed</code>');
    expect(html).toContain('<a href="index.html" data-testid="reload-console">Reload the console</a>');
    expect(html).toContain('/home/op/.local/share/spincycle-console/logs');
    expect(html).not.toMatch(/<script/i);
    // Whatever the reason says, it is text.
    const hostile = await answerRendererRequest(rendererGoneUrl('<img src=x onerror=alert(1)>', 4), root, null);
    expect(await hostile.text()).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('RendererRecovery', () => {
  it(`reloads up to ${MAX_RELOADS} times, then shows the error page`, () => {
    const recovery = new RendererRecovery();
    expect([0, 1000, 2000].map((t) => recovery.gone('crashed', t))).toEqual(['reload', 'reload', 'reload']);
    expect(recovery.gone('oom', 3000)).toBe('give-up');
    expect(recovery.recentDeaths).toBe(4);
  });

  it('ignores a clean exit and forgets deaths older than the window', () => {
    const recovery = new RendererRecovery();
    expect(recovery.gone('clean-exit', 0)).toBe('ignore');
    for (const t of [0, 1000, 2000]) recovery.gone('crashed', t);
    expect(recovery.gone('crashed', 2000 + RELOAD_WINDOW_MS)).toBe('reload');
    expect(recovery.recentDeaths).toBe(1);
  });
});
