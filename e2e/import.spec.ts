// Export and import in Chromium through the web bridge, against the embedded engine: a finished
// request exported from `local` and imported into the same console lands apart from it, under
// `local (imported from <this host>)`, read-only; importing the file again says it skipped it.

import { hostname } from 'node:os';
import { expect, test } from './fixtures';
import { snapScreens } from './support/screens';

test.describe.configure({ timeout: 90_000 });

test('import an exported request: kept apart from the live context, and a re-import is skipped', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await shell.open();
  await startPage.pickType('hello');
  const id = await startPage.submit();
  await requestPage.expectState('COMPLETE');

  await shell.goto('#/requests');
  const row = page.locator(`[data-testid="request-row"][data-id="${id}"]`);
  await row.locator('input[type="checkbox"]').check();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-requests').click()]);
  const file = testInfo.outputPath('export.json');
  await download.saveAs(file);

  const source = `local (imported from ${hostname()})`;
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(shell.toasts).toContainText(`Imported 1 request into ${source} (read-only)`);
  await expect(page).toHaveURL(new RegExp(`#/r/${encodeURIComponent(source).replace(/[()]/g, '\\$&')}/${id}/`));
  await expect(requestPage.readOnlyBadge).toBeVisible();
  await expect(page.getByTestId('request-id')).toHaveText(id);
  await snapScreens(page, testInfo, 'imported-request');

  // The live request is still the live one, and the list of `local` holds it once.
  await shell.goto('#/requests');
  await expect(page.locator(`[data-testid="request-row"][data-id="${id}"]`)).toHaveCount(1);
  await expect(page.locator(`[data-testid="request-row"][data-id="${id}"] .tag`)).toHaveCount(0);

  await page.getByTestId('import-file').setInputFiles(file);
  await expect(shell.toasts).toContainText('Nothing new; 1 request already imported, skipped as duplicate');
  await snapScreens(page, testInfo, 'reimport-skipped');
});

test('import several requests: the list shows them under their source, marked imported', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await shell.open();
  const ids: string[] = [];
  for (const msg of ['first', 'second']) {
    await startPage.pickType('hello');
    await startPage.arg('msg').fill(`export ${msg}`);
    ids.push(await startPage.submit());
    await requestPage.expectState('COMPLETE');
  }
  await shell.goto('#/requests');
  for (const id of ids) {
    await page.locator(`[data-testid="request-row"][data-id="${id}"] input[type="checkbox"]`).check();
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-requests').click()]);
  const file = testInfo.outputPath('export.json');
  await download.saveAs(file);

  const source = `local (imported from ${hostname()})`;
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(shell.toasts).toContainText(`Imported 2 requests into ${source} (read-only)`);
  await expect(shell.contextName).toHaveText(source);
  // Not a live context: no online or offline mark.
  await expect(page.getByTestId('context-switcher').locator('.dot')).toHaveClass(/\bunknown\b/);
  for (const id of ids) {
    const row = page.locator(`[data-testid="request-row"][data-id="${id}"]`);
    await expect(row).toHaveCount(1);
    await expect(row.locator('.tag')).toHaveText('imported');
  }
  await snapScreens(page, testInfo, 'imported-list');
  await shell.switchContext('local');
  for (const id of ids) {
    await expect(page.locator(`[data-testid="request-row"][data-id="${id}"] .tag`)).toHaveCount(0);
  }
});
