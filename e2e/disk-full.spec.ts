// The embedded engine's disk fills up (issue 14): the console's status line says "disk full",
// starting a request says why it failed, and both clear once space is back. In Chromium against
// its own web bridge, whose data folder has the engine's folder on a 3 MiB tmpfs (mounted where
// the machine allows it, as root; CI must).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { fillUp, mountTmpfs, mustMount, type Tmpfs } from '../test/hostile/tmpfs';
import { AppShell } from './pages/app-shell';
import { StartPage } from './pages/start-page';
import { startBridgeProcess, type RunningBridge } from './support/web-bridge';

interface Worker {
  bridge: RunningBridge & { engineFs: Tmpfs };
}

const test = base.extend<{ shell: AppShell; startPage: StartPage }, Worker>({
  bridge: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
    async ({}, use) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'spincycle-e2e-full-'));
      const mounted = mountTmpfs(3, path.join(dir, 'engine'));
      if (!mounted.ok) {
        rmSync(dir, { recursive: true, force: true });
        if (mustMount) throw new Error(`CI must be able to mount a tmpfs (run as root): ${mounted.reason}`);
        base.skip(true, `cannot mount a tmpfs: ${mounted.reason}`);
        return;
      }
      const saved = { dir: process.env.SPINCYCLE_DATA_DIR, token: process.env.SPINCYCLE_WEB_TOKEN };
      process.env.SPINCYCLE_DATA_DIR = dir;
      delete process.env.SPINCYCLE_WEB_TOKEN;
      try {
        const bridge = await startBridgeProcess();
        await use({ ...bridge, engineFs: mounted.fs });
        await bridge.stop();
      } finally {
        if (saved.dir === undefined) delete process.env.SPINCYCLE_DATA_DIR;
        else process.env.SPINCYCLE_DATA_DIR = saved.dir;
        if (saved.token !== undefined) process.env.SPINCYCLE_WEB_TOKEN = saved.token;
        mounted.fs.remove();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: 'worker' },
  ],
  shell: async ({ page, bridge }, use) => {
    await use(new AppShell(page, bridge));
  },
  startPage: async ({ page }, use) => {
    await use(new StartPage(page));
  },
});

test.describe.configure({ timeout: 90_000 });

async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

test('a full disk under the embedded engine shows in the status line and clears when space is back', async ({
  shell,
  startPage,
  bridge,
  page,
}, testInfo) => {
  const storage = page.getByTestId('status-storage');
  await shell.open();
  await expect(page.getByTestId('status-engine')).toHaveText('running');
  await expect(storage).toHaveCount(0);

  const filler = fillUp(bridge.engineFs.dir);
  try {
    await startPage.pickType('hello');
    await startPage.submitButton.click();
    await expect(page.getByTestId('start-error')).toContainText('database or disk is full');
    // The console asks the RM about its storage with the running list (every 5 s).
    await expect(storage).toHaveText('· disk full', { timeout: 20_000 });
    await expect(storage).toHaveAttribute('data-context', 'local');
    await expect(storage).toHaveAttribute(
      'title',
      /^cannot write the engine database .*spincycle\.db: database or disk is full/,
    );
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of [1024, 1440]) {
        await page.setViewportSize({ width, height: 700 });
        await expect(storage).toBeVisible();
        await snap(page, testInfo, `disk-full-${scheme}-${width}`);
      }
    }
  } finally {
    filler.free();
  }
  await expect(storage).toHaveCount(0, { timeout: 20_000 });
  await startPage.pickType('hello');
  expect(await startPage.submit()).toMatch(/^[0-9a-f]{32}$/);
  expect(shell.problems.filter((p) => !p.includes('507'))).toEqual([]);
});
