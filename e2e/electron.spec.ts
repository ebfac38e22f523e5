// The real desktop app through Playwright's _electron, one test per behaviour an operator meets
// on a first run (issue 16): the locked-down window served from app://console with its headers
// and permissions; the tray (whether it shows, close to tray, the first-hide hint, the icon
// click); notification clicks (also after a Windows toast timed out) and spincycle:// links
// opening the request in the renderer; a start-up that throws; the log file and Help → "Open log
// folder"; renderer crashes ending on an error page; the embedded engine restarted, or given up
// on with its reason in the status line; a development build registering spincycle:// on Linux.
// The OS tray and notification popups cannot be clicked from outside, so main installs test hooks
// (SPINCYCLE_E2E_HOOKS=1, src-main/desktop/e2e-hooks.ts) that click the real Menu items, the tray
// icon and the notification's own handlers. Where the Electron runtime cannot start, every test
// is skipped with the reason printed (e2e/support/skip-reporter.ts); docs/desktop.md lists what
// that leaves unverified per OS.

import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findDisplay, findElectronBinary } from '../scripts/electron-runtime.js';
import { prepareElectronSqlite } from '../scripts/prepare-electron-sqlite.js';
import type { RequestNotification } from '../src-main/shared/console-model';
import type { ConsoleApi } from '../src-main/shared/ipc';
import type { DesktopE2eHooks } from '../src-main/desktop/e2e-hooks';
import { PROJECT_ROOT } from './support/web-bridge';

const binary = findElectronBinary();
const display = findDisplay();

/** The page's global, as far as these tests use it (no DOM types in the Node tsconfig). */
type Win = { spincycle: ConsoleApi; location: { hash: string; href: string } };
type HooksGlobal = typeof globalThis & { __spincycleDesktop: DesktopE2eHooks };

// Chromium refuses to run as root with its sandbox on (containers, CI); elsewhere keep it.
const extraArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];

const newDataDir = () => mkdtempSync(join(tmpdir(), 'sc-electron-'));

function appEnv(dataDir: string, engine: boolean, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    SPINCYCLE_DATA_DIR: dataDir,
    SPINCYCLE_E2E_HOOKS: '1',
    SPINCYCLE_NODE: process.execPath,
    ...(engine ? {} : { SPINCYCLE_NO_ENGINE: '1' }),
    ...extra,
  };
}

async function launch(
  options: { engine?: boolean; dataDir?: string; env?: Record<string, string> } = {},
): Promise<ElectronApplication> {
  if (!binary.ok) throw new Error(binary.reason);
  return electron.launch({
    executablePath: binary.path,
    args: [PROJECT_ROOT, ...extraArgs],
    cwd: PROJECT_ROOT,
    env: appEnv(options.dataDir ?? newDataDir(), options.engine ?? false, options.env),
  });
}

/** Runs the app as a plain process (it is expected to exit by itself); its exit code and output. */
function runToExit(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  if (!binary.ok) throw new Error(binary.reason);
  const child = spawn(binary.path, [PROJECT_ROOT, ...extraArgs], {
    cwd: PROJECT_ROOT,
    env: appEnv(dataDir, false, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((r) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      r({ code, output });
    }),
  );
}

/** Calls one of main's test hooks (e2e-hooks.ts) with serialisable arguments. */
function hook<K extends keyof DesktopE2eHooks>(
  app: ElectronApplication,
  name: K,
  ...args: Parameters<DesktopE2eHooks[K]>
): Promise<ReturnType<DesktopE2eHooks[K]>> {
  return app.evaluate(
    (_electron, [method, values]) =>
      ((globalThis as HooksGlobal).__spincycleDesktop[method] as (...a: unknown[]) => unknown)(...values),
    [name, args] as [K, unknown[]],
  ) as Promise<ReturnType<DesktopE2eHooks[K]>>;
}

const hash = (page: Page) => page.evaluate(() => (globalThis as unknown as Win).location.hash);

const failure: RequestNotification = {
  context: 'local',
  requestId: 'b9uvdi8tk9kahl8ppvbg',
  type: 'fail',
  from: 2,
  to: 4,
  failedJobs: ['fail-job'],
  title: 'fail FAIL',
  body: 'RUNNING → FAIL',
};

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

  test('opens a locked-down window from app://console and answers the contract through the preload', async () => {
    const app = await launch();
    try {
      const page = await app.firstWindow();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await expect(page.getByTestId('app-title')).toHaveText('Spin Cycle');
      expect(page.url()).toMatch(/^app:\/\/console\/index\.html(#.*)?$/);
      await expect(page.getByTestId('status-engine')).toHaveText('not started');
      await expect(page.getByTestId('transport-kind')).toHaveText('desktop');

      // Round trip: a call, a write and a read back; the trusted-sender check lets our page in.
      const result = await page.evaluate(() => (globalThis as unknown as Win).spincycle.call('version'));
      expect(result).toMatchObject({ ok: true, value: { protocol: 'bca299b (2017-08-29)' } });
      const settings = await page.evaluate(async () => {
        const api = (globalThis as unknown as Win).spincycle;
        await api.call('updateSettings', { theme: 'dark' });
        return api.call('settings');
      });
      expect(settings).toMatchObject({ ok: true, value: { theme: 'dark' } });
      const bad = await page.evaluate(() =>
        (globalThis as unknown as Win).spincycle.call('getRequest', { context: 'local', id: '' }),
      );
      expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });

      // Exactly the contract's call and on are exposed, and no Node reaches the page.
      const exposed = await page.evaluate(() => Object.keys((globalThis as unknown as Win).spincycle).sort());
      expect(exposed).toEqual(['call', 'on']);
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
      expect(await page.evaluate(() => Object.isFrozen((globalThis as unknown as Win).spincycle))).toBe(true);

      // The page's own response carries the policy as a header (framing refused too).
      const headers = await page.evaluate(async () => {
        const res = await fetch((globalThis as unknown as Win).location.href);
        return { csp: res.headers.get('content-security-policy'), nosniff: res.headers.get('x-content-type-options') };
      });
      expect(headers.csp).toContain("frame-ancestors 'none'");
      expect(headers.csp).toContain("script-src 'self'");
      expect(headers.nosniff).toBe('nosniff');

      // Permissions: the clipboard (Copy buttons) and nothing else.
      const permissions = await page.evaluate(async () => {
        const nav = (
          globalThis as unknown as {
            navigator: { permissions: { query(d: { name: string }): Promise<{ state: string }> } };
          }
        ).navigator;
        const state = async (name: string) => (await nav.permissions.query({ name })).state;
        return {
          clipboard: await state('clipboard-write'),
          geolocation: await state('geolocation'),
          camera: await state('camera'),
        };
      });
      expect(permissions).toEqual({ clipboard: 'granted', geolocation: 'denied', camera: 'denied' });

      // Navigation away from our page is refused; the window keeps showing the console.
      const before = page.url();
      await page.evaluate(() => {
        (globalThis as unknown as Win).location.href = 'file:///etc/hosts';
      });
      await page.waitForTimeout(500);
      expect(page.url()).toBe(before);
      // Inline script is blocked by the Content-Security-Policy.
      await page.addScriptTag({ content: 'globalThis.__inlineRan = true' }).catch(() => undefined);
      const inline = await page.evaluate(() => (globalThis as { __inlineRan?: boolean }).__inlineRan === true);
      expect(inline).toBe(false);
      // Vite's built styles load under the policy (no inline styles are needed).
      const background = await page.evaluate(() => {
        const g = globalThis as unknown as {
          getComputedStyle(e: unknown): { backgroundColor: string };
          document: { body: unknown };
        };
        return g.getComputedStyle(g.document.body).backgroundColor;
      });
      expect(background).not.toBe('rgba(0, 0, 0, 0)');
      expect(problems).toEqual([]);
    } finally {
      await app.close();
    }
  });

  test('remembers the window size and position', async () => {
    const dataDir = newDataDir();
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

  test('tray: counts, show/hide, the icon click, and closing to the tray only where the icon shows', async () => {
    const app = await launch();
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('app-title')).toBeVisible();
      const labels = (await hook(app, 'trayMenu')).map((i) => i.label);
      expect(labels).toEqual(expect.arrayContaining(['0 running', '0 failed in the last 24 h', 'Quit Spin Cycle']));

      await hook(app, 'clickTrayItem', 'toggle-window');
      await expect.poll(() => hook(app, 'windowVisible')).toBe(false);
      expect((await hook(app, 'trayMenu')).find((i) => i.id === 'toggle-window')?.label).toBe('Show window');
      // A click on the icon: shows the window on Windows and Linux; on macOS it only opens the menu.
      await hook(app, 'clickTrayIcon');
      await page.waitForTimeout(300);
      expect(await hook(app, 'windowVisible')).toBe(process.platform !== 'darwin');
      if (process.platform === 'darwin') await hook(app, 'clickTrayItem', 'toggle-window');
      await expect.poll(() => hook(app, 'windowVisible')).toBe(true);

      // Close to tray is on by default only where a tray icon is known to show.
      await expect.poll(() => hook(app, 'trayAvailability')).not.toBeNull();
      const tray = await hook(app, 'trayAvailability');
      const closeToTray = await hook(app, 'closeToTray');
      expect(closeToTray).toBe(tray?.shows);
      const checkbox = (await hook(app, 'trayMenu')).find((i) => i.id === 'close-to-tray');
      expect(checkbox?.checked).toBe(closeToTray);
      if (!closeToTray) {
        // Stock GNOME: closing the window quits the app rather than hiding it out of reach.
        const exited = new Promise<void>((r) => app.process().once('exit', () => r()));
        await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
        await exited;
        return;
      }
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
      await expect.poll(() => hook(app, 'windowVisible')).toBe(false);
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
      // The operator is told once where the app went.
      expect(await hook(app, 'trayHints')).toBe(1);
      await hook(app, 'clickTrayItem', 'toggle-window');
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
      await expect.poll(() => hook(app, 'windowVisible')).toBe(false);
      expect(await hook(app, 'trayHints')).toBe(1);
    } finally {
      await app.close().catch(() => undefined);
    }
  });

  test('a notification click, a timed-out toast and spincycle:// links open the request in the renderer', async () => {
    const dataDir = newDataDir();
    const app = await launch({ dataDir });
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('app-title')).toBeVisible();

      const clicked = await app.evaluate(
        (_e, n) => (globalThis as HooksGlobal).__spincycleDesktop.notifyAndClick(n),
        failure,
      );
      test.skip(!clicked, 'Electron reports no notification support on this desktop');
      await expect.poll(() => hash(page)).toBe('#/r/local/b9uvdi8tk9kahl8ppvbg/chain');
      await expect(page.getByTestId('request-page')).toBeVisible();

      // Windows: `close` fires when the toast times out into the Action Center; the center keeps
      // it (notification-routing.ts, unit-tested) and a later click still opens the request.
      await page.evaluate(() => ((globalThis as unknown as Win).location.hash = '#/requests'));
      await app.evaluate((_e, n) => (globalThis as HooksGlobal).__spincycleDesktop.notifyCloseAndClick(n, 'timedOut'), {
        ...failure,
        requestId: 'timedout000000000000',
      });
      await expect.poll(() => hash(page)).toBe('#/r/local/timedout000000000000/chain');

      const refused = await hook(app, 'openLink', 'spincycle://local/requests/x?y=1');
      expect(refused).toMatch(/no query or fragment/);
      await hook(app, 'openLink', 'spincycle://local/requests/r2');
      await expect.poll(() => hash(page)).toBe('#/r/local/r2/chain');

      // A second instance with a link hands it to this one and exits.
      if (!binary.ok) return;
      const second = spawn(binary.path, [PROJECT_ROOT, ...extraArgs, 'spincycle://local/requests/from-argv'], {
        cwd: PROJECT_ROOT,
        env: appEnv(dataDir, false),
        stdio: 'ignore',
      });
      expect(await new Promise<number | null>((r) => second.on('exit', (c) => r(c)))).toBe(0);
      await expect.poll(() => hash(page)).toBe('#/r/local/from-argv/chain');
    } finally {
      await app.close();
    }
  });

  test('the tray menu opens a real request: its page shows its id, type and state', async () => {
    test.setTimeout(120_000);
    const app = await launch({ engine: true });
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('status-engine')).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
      const created = await page.evaluate(() =>
        (globalThis as unknown as Win).spincycle.call('createRequest', {
          context: 'local',
          type: 'hello',
          args: { msg: 'from the tray' },
        }),
      );
      expect(created.ok).toBe(true);
      const id = created.ok ? created.value.id : '';
      await page.evaluate(() => ((globalThis as unknown as Win).location.hash = '#/search'));
      await expect
        .poll(async () => (await hook(app, 'trayMenu')).some((i) => i.id.endsWith(id)), { timeout: 30_000 })
        .toBe(true);
      await app.evaluate(
        (_e, itemId) => (globalThis as HooksGlobal).__spincycleDesktop.clickTrayItem(itemId),
        `open:local/${id}`,
      );
      await expect(page.getByTestId('request-id')).toHaveText(id);
      await expect(page.getByTestId('request-type-title')).toHaveText('hello');
      await expect(page.getByTestId('request-args')).toContainText('from the tray');
    } finally {
      await app.close();
    }
  });

  test('a start-up that throws shows what failed and where the log is, and releases the lock', async () => {
    // A data folder whose path runs through a file: checked before the lock is taken.
    const blocked = newDataDir();
    writeFileSync(join(blocked, 'file'), '');
    const early = await runToExit(join(blocked, 'file', 'data'));
    expect(early.code).toBe(1);
    expect(early.output).toContain(
      "desktop: dialog: Spin Cycle could not start: Part of the data folder's path is a file",
    );
    expect(early.output).toMatch(/Details are in the log: .*spincycle-desktop\.log/);

    // A failure after the lock was taken (better-sqlite3 for Electron missing): the lock is released.
    const dataDir = newDataDir();
    const late = await runToExit(dataDir, { SPINCYCLE_SQLITE_BINDING: '/nonexistent/better_sqlite3.node' });
    expect(late.code).toBe(1);
    expect(late.output).toContain('SPINCYCLE_SQLITE_BINDING points at a missing file');
    expect(readFileSync(join(dataDir, 'logs', 'spincycle-desktop.log'), 'utf8')).toContain('start-up failed');
    // A relaunch on the same data folder tries again, and starts.
    const app = await launch({ dataDir });
    try {
      await expect((await app.firstWindow()).getByTestId('app-title')).toHaveText('Spin Cycle');
    } finally {
      await app.close();
    }
  });

  test('writes a log file in the data folder; Help → "Open log folder" opens its folder', async () => {
    const dataDir = newDataDir();
    const app = await launch({ dataDir });
    try {
      await app.firstWindow();
      const file = await hook(app, 'logFile');
      expect(file).toBe(join(dataDir, 'logs', 'spincycle-desktop.log'));
      await expect.poll(() => readFileSync(file ?? '', 'utf8')).toContain('desktop: started');
      const clicked = await app.evaluate(({ Menu }) => {
        const item = Menu.getApplicationMenu()?.getMenuItemById('open-log-folder');
        item?.click();
        return item?.label;
      });
      expect(clicked).toBe('Open log folder');
      expect(await hook(app, 'openedFolders')).toEqual([dirname(file ?? '')]);
    } finally {
      await app.close();
    }
  });

  test('a renderer that keeps crashing is reloaded three times, then an error page says so', async () => {
    const app = await launch();
    try {
      const page = await app.firstWindow();
      await expect(page.getByTestId('app-title')).toBeVisible();
      for (let i = 1; i <= 3; i++) {
        await app.evaluate(({ BrowserWindow }) =>
          BrowserWindow.getAllWindows()[0]?.webContents.forcefullyCrashRenderer(),
        );
        await expect(page.getByTestId('app-title')).toBeVisible({ timeout: 20_000 });
      }
      await app.evaluate(({ BrowserWindow }) =>
        BrowserWindow.getAllWindows()[0]?.webContents.forcefullyCrashRenderer(),
      );
      await expect(page.getByRole('heading')).toHaveText("The console's page stopped 4 times", { timeout: 20_000 });
      expect(page.url()).toMatch(/^app:\/\/console\/renderer-gone\.html\?reason=/);
      await page.getByTestId('reload-console').click();
      await expect(page.getByTestId('app-title')).toHaveText('Spin Cycle');
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
      const pid = await hook(app, 'enginePid');
      expect(pid).toBeGreaterThan(0);
      expect(pid).not.toBe(app.process().pid);
      process.kill(pid as number, 'SIGKILL');
      // The window stays up, says why, and the engine comes back.
      await expect(page.getByTestId('status-engine-detail')).toContainText('killed by SIGKILL');
      await expect(page.getByTestId('status-engine')).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
      expect(await hook(app, 'enginePid')).not.toBe(pid);
    } finally {
      await app.close();
    }
  });

  test('an engine that fails the same way each time is given up on, with its reason in the status line', async () => {
    test.setTimeout(120_000);
    const dataDir = newDataDir();
    writeFileSync(join(dataDir, 'engine'), 'a file where the engine keeps its data folder');
    const app = await launch({ engine: true, dataDir });
    try {
      const page = await app.firstWindow();
      const detail = page.getByTestId('status-engine-detail');
      await expect(detail).toContainText('stopped restarting after 3 identical failures', { timeout: 90_000 });
      await expect(detail).toContainText(`EEXIST: file already exists, mkdir '${join(dataDir, 'engine')}'`);
      await expect(page.getByTestId('status-engine')).toHaveText('failed');
    } finally {
      await app.close();
    }
  });

  test('Linux, development: SPINCYCLE_REGISTER_PROTOCOL=1 makes this build the spincycle:// handler', async () => {
    test.skip(process.platform !== 'linux', 'the .desktop entry and xdg-mime are Linux only');
    const xdg = newDataDir();
    const env = {
      SPINCYCLE_REGISTER_PROTOCOL: '1',
      XDG_DATA_HOME: join(xdg, 'data'),
      XDG_CONFIG_HOME: join(xdg, 'config'),
    };
    const app = await launch({ env });
    try {
      await app.firstWindow();
      const entry = join(xdg, 'data', 'applications', 'spincycle-console-dev.desktop');
      await expect.poll(() => existsSync(entry)).toBe(true);
      expect(readFileSync(entry, 'utf8')).toContain(`${PROJECT_ROOT}`);
      const handler = execFileSync('xdg-mime', ['query', 'default', 'x-scheme-handler/spincycle'], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
      expect(handler.trim()).toBe('spincycle-console-dev.desktop');
    } finally {
      await app.close();
    }
  });
});
