// The console page in Chromium, served by the real web bridge: version info from the
// real main-side handler, the first status event, the token hygiene, and a screenshot.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { PROJECT_ROOT } from './support/web-bridge';

const pkg = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };

test('shows version info from console main', async ({ consolePage }) => {
  await consolePage.open();
  await expect(consolePage.title).toHaveText('Spin Cycle');
  await consolePage.openAbout();
  await expect(consolePage.versionApp).toHaveText(pkg.version);
  await expect(consolePage.versionProtocol).toHaveText('bca299b (2017-08-29)');
  await expect(consolePage.versionRuntime).toHaveText(`node ${process.versions.node}`);
  await expect(consolePage.transportKind).toContainText('browser');
});

test('receives the first status event', async ({ consolePage }) => {
  await consolePage.open();
  // The bridge runs the embedded engine: it is starting or already running.
  await expect(consolePage.statusEngine).toHaveText(/starting|running/);
  await expect(consolePage.statusEngine).toHaveAttribute('data-state', /starting|running/);
  const time = await consolePage.statusTime.getAttribute('datetime');
  expect(Number.isNaN(Date.parse(time ?? ''))).toBe(false);
});

test('takes the token out of the address bar and keeps working on reload', async ({ consolePage, page }) => {
  await consolePage.open();
  await consolePage.openAbout();
  await expect(consolePage.versionApp).toHaveText(pkg.version);
  expect(new URL(page.url()).search).toBe('');
  await page.reload();
  await consolePage.openAbout();
  await expect(consolePage.versionApp).toHaveText(pkg.version);
});

test('without the token the page says how to get in', async ({ consolePage }) => {
  await consolePage.openWithoutToken();
  await expect(consolePage.connectionError).toContainText('disconnected');
  await expect(consolePage.connectionError).toContainText('?token=');
});

const BACKGROUND = { light: 'rgb(244, 245, 247)', dark: 'rgb(16, 19, 23)' };
const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test('looks right in light and dark', async ({ consolePage, page }, testInfo) => {
  await page.setViewportSize({ width: 1000, height: 560 });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await consolePage.open();
    await expect(consolePage.statusEngine).toBeVisible();
    // The palette follows the system, and a theme forced in settings (data-theme) wins over it.
    expect(await background(page)).toBe(BACKGROUND[scheme]);
    const other = scheme === 'light' ? 'dark' : 'light';
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), other);
    expect(await background(page)).toBe(BACKGROUND[other]);
    await page.evaluate(() => delete document.documentElement.dataset.theme);
    await consolePage.openAbout();
    await expect(consolePage.versionRuntime).toBeVisible();
    const path = testInfo.outputPath(`console-${scheme}.png`);
    await page.screenshot({ path, fullPage: true });
    await testInfo.attach(`console-${scheme}`, { path, contentType: 'image/png' });
  }
});
