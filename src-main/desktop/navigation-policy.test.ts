// What the window may load and which IPC callers are trusted (parsed URLs, whatever the install
// path), the Content-Security-Policy it is served with (header, and the <meta> tag in the
// renderer's index.html, which must be no looser), its renderer settings and its permissions.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, ERROR_PAGE_POLICY, rendererHeaders } from './csp';
import { decideNavigation, decideNewWindow, isExternalWebUrl } from './navigation-policy';
import { permissionGranted } from './permission-policy';
import { isConsoleOrigin, isConsolePage, PAGE_URL } from './renderer-origin';
import { secureWebPreferences } from './web-preferences';

describe('the console page and trusted senders', () => {
  it('is app://console/index.html with any query or hash (the renderer routes on the hash)', () => {
    expect(PAGE_URL).toBe('app://console/index.html');
    expect(isConsolePage(PAGE_URL)).toBe(true);
    expect(isConsolePage(`${PAGE_URL}#/r/local/abc/logs?job=j&try=2`)).toBe(true);
    expect(isConsolePage(`${PAGE_URL}?x=1`)).toBe(true);
    // Parsed, not compared as text: case and default forms of the same URL.
    expect(isConsolePage('APP://CONSOLE/index.html')).toBe(true);
  });

  it('refuses other pages, hosts, schemes and look-alikes', () => {
    for (const url of [
      'app://console/',
      'app://console/renderer-gone.html',
      'app://console/index.html/..',
      'app://console.evil/index.html',
      'app://evil/index.html',
      'app://console:8080/index.html',
      'https://console/index.html',
      'file:///opt/Spin Cycle/resources/app.asar/out/renderer/index.html',
      'about:blank',
      'not a url',
      '',
      undefined,
    ]) {
      expect(isConsolePage(url), String(url)).toBe(false);
    }
  });

  it('does not depend on the install path: paths with % [ ] ^ | gave file URLs that differed', () => {
    // Two ways of writing the same file URL (Node's pathToFileURL and Electron's legacy
    // formatting) disagree on these characters; the console page is no longer a file URL.
    const odd = '/home/op/100% [prod]^|/Spin Cycle/resources/app.asar/out/renderer/index.html';
    const node = pathToFileURL(odd).href;
    const legacy = `file://${odd}`;
    expect(node).not.toBe(legacy);
    expect(isConsolePage(node)).toBe(false);
    expect(isConsolePage(legacy)).toBe(false);
    expect(isConsolePage(PAGE_URL)).toBe(true);
  });

  it('tells the console origin (any of its files) from the page itself', () => {
    expect(isConsoleOrigin('app://console/assets/index-abc.js')).toBe(true);
    expect(isConsoleOrigin('app://console')).toBe(true);
    expect(isConsoleOrigin('app://other/')).toBe(false);
  });
});

describe('navigation policy', () => {
  it('allows only the console page', () => {
    expect(decideNavigation(`${PAGE_URL}#/requests`)).toBe('allow');
    expect(decideNavigation('app://console/renderer-gone.html')).toBe('deny');
  });

  it('sends http(s) links to the system browser and refuses every other URL', () => {
    expect(decideNavigation('https://github.com/square/spincycle')).toBe('open-external');
    expect(decideNavigation('http://rm.internal:8888/api/v1/requests/x')).toBe('open-external');
    expect(decideNavigation('file:///etc/passwd')).toBe('deny');
    expect(decideNavigation('javascript:alert(1)')).toBe('deny');
    expect(decideNavigation('spincycle://local/requests/x')).toBe('deny');
    expect(decideNavigation('not a url')).toBe('deny');
    expect(isExternalWebUrl('https://user:secret@example.com/')).toBe(false);
  });

  it('never opens a new app window', () => {
    expect(decideNewWindow('https://example.com/')).toBe('open-external');
    expect(decideNewWindow(PAGE_URL)).toBe('deny');
    expect(decideNewWindow('about:blank')).toBe('deny');
  });
});

describe('Content-Security-Policy and headers', () => {
  it('sends the policy, nosniff and no referrer with every file; framing only by the header', () => {
    expect(rendererHeaders('text/javascript; charset=utf-8')).toEqual({
      'Content-Type': 'text/javascript; charset=utf-8',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    expect(CONTENT_SECURITY_POLICY).toMatch(/frame-ancestors 'none'/);
    expect(ERROR_PAGE_POLICY).toMatch(/default-src 'none'/);
    expect(ERROR_PAGE_POLICY).not.toMatch(/script-src/);
  });

  it('allows no inline or remote code, in the header and in index.html', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const html = readFileSync(path.join(here, '../../src-renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    for (const policy of [CONTENT_SECURITY_POLICY, meta ?? '']) {
      expect(policy).toMatch(/script-src 'self'(;|$)/);
      expect(policy).toMatch(/style-src 'self'(;|$)/);
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

describe('permissions', () => {
  it('grants the console only clipboard writes (Copy buttons)', () => {
    expect(permissionGranted('clipboard-sanitized-write', 'app://console')).toBe(true);
    expect(permissionGranted('clipboard-sanitized-write', `${PAGE_URL}#/requests`)).toBe(true);
  });

  it('denies every other permission, and everything to any other origin', () => {
    for (const p of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'midi',
      'usb',
      'openExternal',
      'unknown',
    ]) {
      expect(permissionGranted(p, 'app://console'), p).toBe(false);
    }
    expect(permissionGranted('clipboard-sanitized-write', 'https://example.com')).toBe(false);
    expect(permissionGranted('clipboard-sanitized-write', 'file:///')).toBe(false);
    expect(permissionGranted('clipboard-sanitized-write', undefined)).toBe(false);
  });
});
