// The embedded engine's disk fills up (issue 14): the console's status line says "disk full",
// starting a request says why it failed, and both clear once space is back. In Chromium against
// its own web bridge, whose data folder has the engine's folder on a 3 MiB tmpfs (mounted where
// the machine allows it, as root; CI must).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fillUp, mountTmpfs, mustMount, type Tmpfs } from '../test/hostile/tmpfs';
import { expect, test as consoleTest } from './fixtures';
import { snap } from './support/flows';
import { startBridgeProcess, type BridgeInfo } from './support/web-bridge';

/** The console's data folder, its engine's folder on a 3 MiB tmpfs; a web bridge of its own on it. */
const test = consoleTest.extend<object, { engineFs: Tmpfs & { dataDir: string }; bridge: BridgeInfo }>({
  engineFs: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
    async ({}, use) => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'spincycle-e2e-full-'));
      const mounted = mountTmpfs(3, path.join(dataDir, 'engine'));
      if (!mounted.ok) {
        rmSync(dataDir, { recursive: true, force: true });
        if (mustMount) throw new Error(`CI must be able to mount a tmpfs (run as root): ${mounted.reason}`);
        consoleTest.skip(true, `cannot mount a tmpfs: ${mounted.reason}`);
        return;
      }
      try {
        await use(Object.assign(mounted.fs, { dataDir }));
      } finally {
        mounted.fs.remove();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    { scope: 'worker' },
  ],
  bridge: [
    async ({ engineFs }, use) => {
      const bridge = await startBridgeProcess({ dataDir: engineFs.dataDir });
      try {
        await use(bridge);
      } finally {
        await bridge.stop();
      }
    },
    { scope: 'worker' },
  ],
});

test.describe.configure({ timeout: 90_000 });

test('a full disk under the embedded engine shows in the status line and clears when space is back', async ({
  shell,
  startPage,
  engineFs,
  page,
  problems,
}, testInfo) => {
  // A create refused while the disk is full answers 507: the start page shows it.
  problems.allow(/507/);
  const storage = page.getByTestId('status-storage');
  await shell.open();
  await expect(page.getByTestId('status-engine')).toHaveText('running');
  await expect(storage).toHaveCount(0);

  const filler = fillUp(engineFs.dir);
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
});
