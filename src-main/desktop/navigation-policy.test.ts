// What the window may load, and the Content-Security-Policy it is served with (header here,
// and the <meta> tag in the renderer's index.html, which must be no looser).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, withContentSecurityPolicy } from './csp';
import { decideNavigation, decideNewWindow, isExternalWebUrl } from './navigation-policy';
import { secureWebPreferences } from './web-preferences';

const page = 'file:///opt/spincycle/resources/app.asar/out/renderer/index.html';

describe('navigation policy', () => {
  it('allows only our own page (any query or hash)', () => {
    expect(decideNavigation(`${page}#/requests/local/abc`, page)).toBe('allow');
    expect(decideNavigation(`${page}?x=1`, page)).toBe('allow');
  });

  it('sends http(s) links to the system browser and refuses every other URL', () => {
    expect(decideNavigation('https://github.com/square/spincycle', page)).toBe('open-external');
    expect(decideNavigation('http://rm.internal:8888/api/v1/requests/x', page)).toBe('open-external');
    expect(decideNavigation('file:///etc/passwd', page)).toBe('deny');
    expect(decideNavigation('javascript:alert(1)', page)).toBe('deny');
    expect(decideNavigation('spincycle://local/requests/x', page)).toBe('deny');
    expect(decideNavigation('not a url', page)).toBe('deny');
    expect(isExternalWebUrl('https://user:secret@example.com/')).toBe(false);
  });

  it('never opens a new app window', () => {
    expect(decideNewWindow('https://example.com/')).toBe('open-external');
    expect(decideNewWindow(page)).toBe('deny');
    expect(decideNewWindow('about:blank')).toBe('deny');
  });
});

describe('Content-Security-Policy', () => {
  it('replaces any policy the response had, keeping the other headers', () => {
    const headers = withContentSecurityPolicy({ 'content-security-policy': ['default-src *'], 'X-A': ['1'] });
    expect(headers).toEqual({ 'X-A': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    expect(withContentSecurityPolicy(undefined)).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });

  it('allows no inline or remote code, in the header and in index.html', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const html = readFileSync(path.join(here, '../../src-renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    for (const policy of [CONTENT_SECURITY_POLICY, meta ?? '']) {
      expect(policy).toMatch(/script-src 'self'(;|$)/);
      expect(policy).toMatch(/object-src 'none'/);
      expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*\.|https?:/);
    }
  });
});

describe('secureWebPreferences', () => {
  it('isolates and sandboxes the page and keeps Node out of it', () => {
    expect(secureWebPreferences('/app/out/preload/preload.cjs')).toMatchObject({
      preload: '/app/out/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    });
  });
});
