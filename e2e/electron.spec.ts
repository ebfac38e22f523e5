// The real desktop app through Playwright's _electron: the locked-down window, the contract
// round trip over the preload, the tray menu, a notification click and spincycle:// links
// (both routed to the renderer's `navigate` event), and the engine in its own process.
// The OS tray and notification popups cannot be clicked from outside, so main installs test
// hooks (SPINCYCLE_E2E_HOOKS=1, src-main/desktop/e2e-hooks.ts) that click the real Menu items
// and the notification's own click handler.
// Where the Electron runtime cannot start, every test is skipped with the reason printed.

import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findDisplay, findElectronBinary } from '../scripts/electron-runtime.js';
import { prepareElectronSqlite } from '../scripts/prepare-electron-sqlite.js';
import type { RequestNotification } from '../src-main/shared/console-model';
import { CONTRACT_METHODS, type ConsoleApi, type NavigateEvent, type StatusEvent } from '../src-main/shared/ipc';
import type { DesktopE2eHooks } from '../src-main/desktop/e2e-hooks';
import { PROJECT_ROOT } from './support/web-bridge';

const binary = findElectronBinary();
const display = findDisplay();

/** The page's global, as far as these tests use it (no DOM types in the Node tsconfig). */
type Win = { spincycle: ConsoleApi; __navigations?: NavigateEvent[]; __statuses?: StatusEvent[] };
type HooksGlobal = typeof globalThis & { __spincycleDesktop: DesktopE2eHooks };

// Chromium refuses to run as root with its sandbox on (containers, CI); elsewhere keep it.
const extraArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];

async function launch(options: { engine?: boolean; dataDir?: string } = {}): Promise<ElectronApplication> {
  if (!binary.ok) throw new Error(binary.reason);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sc-electron-'));
  return electron.launch({
    executablePath: binary.path,
    args: [PROJECT_ROOT, ...extraArgs],
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      SPINCYCLE_DATA_DIR: dataDir,
      SPINCYCLE_E2E_HOOKS: '1',
      SPINCYCLE_NODE: process.execPath,
      ...(options.engine ? {} : { SPINCYCLE_NO_ENGINE: '1' }),
    },
  });
}

/** Records `navigate` and `status` events in the page, through the preload's on(). */
async function recordEvents(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as Win;
    w.__navigations = [];
    w.__statuses = [];
    w.spincycle.on('navigate', (e: NavigateEvent) => w.__navigations?.push(e));
    w.spincycle.on('status', (e: StatusEvent) => w.__statuses?.push(e));
  });
}

const navigations = (page: Page) => page.evaluate(() => (globalThis as unknown as Win).__navigations ?? []);

test.describe('desktop app (Electron)', () => {
  test.skip(!binary.ok, `${binary.ok ? '' : binary.reason}: cannot launch the desktop app`);
  test.skip(binary.ok && !display.ok, `Electron cannot open a window: ${display.ok ? '' : display.reason}`);

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    const sqlite = await prepareElectronSqlite();
    test.skip(!sqlite.ok, `Electron's build of better-sqlite3 is not ready: ${sqlite.ok ? '' : sqlite.reason}`);
    const { build } = await import('electron-vite');
    await build({ configFile: resolve(PROJECT_ROOT, 'electron.vite.config.ts'), logLevel: 'warn' });
    expect(existsSync(resolve(PROJECT_ROOT, 'out/main/index.js'))).toBe(true);
  });

  test('opens a locked-down window and answers the contract through the preload', async () => {
    const app = await launch();
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('app-title')).toHaveText('Spin Cycle');
      await expect(page.getByTestId('version-runtime')).toContainText('electron');
      await expect(page.getByTestId('status-engine')).toHaveText('not started');

      // Round trip: a call, a write and a read back.
      const result = await page.evaluate(() => (globalThis as unknown as Win).spincycle.version());
      expect(result).toMatchObject({ ok: true, value: { protocol: 'bca299b (2017-08-29)' } });
      const settings = await page.evaluate(async () => {
        const api = (globalThis as unknown as Win).spincycle;
        await api.updateSettings({ theme: 'dark' });
        return api.settings();
      });
      expect(settings).toMatchObject({ ok: true, value: { theme: 'dark' } });
      const bad = await page.evaluate(() => (globalThis as unknown as Win).spincycle.getRequest('local', ''));
      expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });

      // Exactly the contract is exposed, and no Node reaches the page.
      const exposed = await page.evaluate(() => Object.keys((globalThis as unknown as Win).spincycle).sort());
      expect(exposed).toEqual([...CONTRACT_METHODS, 'on'].sort());
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');

      // Context isolation: what the preload exposed is a frozen copy, not a live object.
      expect(await page.evaluate(() => Object.isFrozen((globalThis as unknown as Win).spincycle))).toBe(true);

      // Navigation away from our page is refused; the window keeps showing the console.
      const before = page.url();
      await page.evaluate(() => {
        (globalThis as unknown as { location: { href: string } }).location.href = 'file:///etc/hosts';
      });
      await page.waitForTimeout(500);
      expect(page.url()).toBe(before);
      // Inline script is blocked by the Content-Security-Policy.
      await page.addScriptTag({ content: 'globalThis.__inlineRan = true' }).catch(() => undefined);
      const inline = await page.evaluate(() => (globalThis as { __inlineRan?: boolean }).__inlineRan === true);
      expect(inline).toBe(false);
    } finally {
      await app.close();
    }
  });

  test('remembers the window size and position', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-electron-'));
    let app = await launch({ dataDir });
    await app.firstWindow();
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.setBounds({ width: 900, height: 650 }));
    await app.close(); // quitting saves the bounds as the window closes
    app = await launch({ dataDir });
    try {
      await app.firstWindow();
      const size = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.getNormalBounds());
      expect(size).toMatchObject({ width: 900, height: 650 });
    } finally {
      await app.close();
    }
  });

  test('tray menu: counts, show/hide, close to tray', async () => {
    const app = await launch();
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('app-title')).toBeVisible();
      const labels = await app.evaluate(() =>
        (globalThis as HooksGlobal).__spincycleDesktop.trayMenu().map((i) => i.label),
      );
      expect(labels).toEqual(expect.arrayContaining(['0 running', '0 failed in the last 24 h', 'Quit Spin Cycle']));

      await app.evaluate(() => (globalThis as HooksGlobal).__spincycleDesktop.clickTrayItem('toggle-window'));
      await expect
        .poll(() => app.evaluate(() => (globalThis as HooksGlobal).__spincycleDesktop.windowVisible()))
        .toBe(false);
      await app.evaluate(() => (globalThis as HooksGlobal).__spincycleDesktop.clickTrayItem('toggle-window'));
      await expect
        .poll(() => app.evaluate(() => (globalThis as HooksGlobal).__spincycleDesktop.windowVisible()))
        .toBe(true);

      // Closing the window keeps the app (and its tray) running.
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
      await expect
        .poll(() => app.evaluate(() => (globalThis as HooksGlobal).__spincycleDesktop.windowVisible()))
        .toBe(false);
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    } finally {
      await app.close();
    }
  });

  test('a notification click and a spincycle:// link open the request in the window', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sc-electron-'));
    const app = await launch({ dataDir });
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('app-title')).toBeVisible();
      await recordEvents(page);

      const notification: RequestNotification = {
        context: 'local',
        requestId: 'b9uvdi8tk9kahl8ppvbg',
        type: 'fail',
        from: 2,
        to: 4,
        failedJobs: ['fail-job'],
        title: 'fail FAIL',
        body: 'RUNNING → FAIL',
      };
      const clicked = await app.evaluate(
        (_e, n) => (globalThis as HooksGlobal).__spincycleDesktop.notifyAndClick(n),
        notification,
      );
      test.skip(!clicked, 'Electron reports no notification support on this desktop');
      await expect.poll(() => navigations(page)).toEqual([{ context: 'local', requestId: 'b9uvdi8tk9kahl8ppvbg' }]);

      const refused = await app.evaluate(() =>
        (globalThis as HooksGlobal).__spincycleDesktop.openLink('spincycle://local/requests/x?y=1'),
      );
      expect(refused).toMatch(/no query or fragment/);
      await app.evaluate(() =>
        (globalThis as HooksGlobal).__spincycleDesktop.openLink('spincycle://local/requests/r2'),
      );
      await expect.poll(async () => (await navigations(page)).at(-1)).toEqual({ context: 'local', requestId: 'r2' });

      // A second instance with a link hands it to this one and exits.
      if (!binary.ok) return;
      const second = spawn(binary.path, [PROJECT_ROOT, ...extraArgs, 'spincycle://local/requests/from-argv'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, SPINCYCLE_DATA_DIR: dataDir, SPINCYCLE_NO_ENGINE: '1' },
        stdio: 'ignore',
      });
      const code = await new Promise<number | null>((r) => second.on('exit', (c) => r(c)));
      expect(code).toBe(0);
      await expect
        .poll(async () => (await navigations(page)).at(-1))
        .toEqual({ context: 'local', requestId: 'from-argv' });
    } finally {
      await app.close();
    }
  });

  test('the embedded engine runs in its own process and is restarted if it dies', async () => {
    test.setTimeout(120_000);
    const app = await launch({ engine: true });
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('status-engine')).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
      const pid = await app.evaluate(() => (globalThis as HooksGlobal).__spincycleDesktop.enginePid());
      expect(pid).toBeGreaterThan(0);
      expect(pid).not.toBe(app.process().pid);
      await recordEvents(page);
      process.kill(pid as number, 'SIGKILL');
      // The window stays up, shows the failure, and the engine comes back.
      await expect
        .poll(() => page.evaluate(() => (globalThis as unknown as Win).__statuses?.map((s) => s.embeddedEngine)))
        .toContain('failed');
      await expect(page.getByTestId('status-engine')).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
      const restarted = await app.evaluate(() => (globalThis as HooksGlobal).__spincycleDesktop.enginePid());
      expect(restarted).not.toBe(pid);
    } finally {
      await app.close();
    }
  });
});
