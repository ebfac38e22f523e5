// An embedded engine that fails the same way on every start: the supervisor stops restarting it
// after three identical failures and the status line says so, with the engine's own last line.
// Its own web bridge, whose engine data folder is taken by a file (the engine cannot create it).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, withOwnBridge } from './fixtures';

let engineDir = '';

const test = withOwnBridge(() => {
  const dataDir = mkdtempSync(join(tmpdir(), 'spincycle-e2e-give-up-'));
  engineDir = join(dataDir, 'engine');
  writeFileSync(engineDir, 'a file where the engine keeps its data folder');
  return { dataDir, cleanUp: () => rmSync(dataDir, { recursive: true, force: true }) };
});

test.describe.configure({ timeout: 120_000 });

test('the status line says the engine stopped restarting, and why', async ({ shell, page }, testInfo) => {
  await shell.open('#/requests', { waitOnline: false });
  const engine = page.getByTestId('status-engine');
  const detail = page.getByTestId('status-engine-detail');
  await expect(detail).toContainText('stopped restarting after 3 identical failures', { timeout: 90_000 });
  await expect(engine).toHaveText('failed');
  const reason = `exited with code 1: spincycle server: EEXIST: file already exists, mkdir '${engineDir}'`;
  await expect(detail).toHaveText(`— stopped restarting after 3 identical failures: ${reason}`);
  await expect(detail).toHaveAttribute('title', `stopped restarting after 3 identical failures: ${reason}`);

  // It stays given up: no further attempt flips the state back to starting.
  await page.waitForTimeout(2000);
  await expect(engine).toHaveText('failed');
  await expect(detail).toContainText('stopped restarting');

  for (const [width, scheme] of [
    [1024, 'light'],
    [1024, 'dark'],
    [1600, 'light'],
    [1600, 'dark'],
  ] as const) {
    await page.setViewportSize({ width, height: 700 });
    await page.emulateMedia({ colorScheme: scheme });
    // The reason is cut to the footer's width, never wrapped or pushed out of view.
    const box = await detail.boundingBox();
    expect(box?.height ?? 0).toBeLessThan(20);
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(width);
    const path = testInfo.outputPath(`engine-gave-up-${width}-${scheme}.png`);
    await page.screenshot({ path });
    await testInfo.attach(`engine-gave-up-${width}-${scheme}`, { path, contentType: 'image/png' });
  }
});
