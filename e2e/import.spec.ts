// Export and import in Chromium through the web bridge, against the embedded engine: a finished
// request exported from `local` and imported into the same console lands apart from it, under
// `local (imported from <this host>)`, read-only; importing the file again says it skipped it.

import { hostname } from 'node:os';
import type { Page, TestInfo } from '@playwright/test';
import { expect, test } from './fixtures';
import type { AppShell } from './pages/app-shell';
import { startFromForm } from './support/flows';
import { snapScreens } from './support/screens';

test.describe.configure({ timeout: 90_000 });

/** Where the requests this console exports are imported to. */
const SOURCE = `local (imported from ${hostname()})`;

/**
 * Exports the requests `ids` from the requests list; the file's path. Rows are recycled as the
 * list changes (other tests' requests arrive at the top), so a click can land on the row that
 * just took another request's place: the ticks are made on a freshly opened list until exactly
 * `ids` are ticked.
 */
async function exportFromList(shell: AppShell, page: Page, testInfo: TestInfo, ids: string[]): Promise<string> {
  const box = (id: string) => page.locator(`[data-testid="request-row"][data-id="${id}"] input[type="checkbox"]`);
  const exportButton = page.getByTestId('export-requests');
  await expect(async () => {
    await shell.open('#/requests');
    for (const id of ids) await box(id).check();
    for (const id of ids) await expect(box(id)).toBeChecked({ timeout: 1000 });
    await expect(exportButton).toHaveText(`Export ${ids.length}`, { timeout: 1000 });
  }).toPass({ timeout: 60_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), exportButton.click()]);
  const file = testInfo.outputPath('export.json');
  await download.saveAs(file);
  return file;
}

test('import an exported request: kept apart from the live context, and a re-import is skipped', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  const id = await startFromForm(shell, startPage, 'hello');
  await requestPage.expectState('COMPLETE');
  const file = await exportFromList(shell, page, testInfo, [id]);

  await page.getByTestId('import-file').setInputFiles(file);
  await expect(shell.toasts).toContainText(`Imported 1 request into ${SOURCE} (read-only)`);
  await expect(page).toHaveURL(new RegExp(`#/r/${encodeURIComponent(SOURCE).replace(/[()]/g, '\\$&')}/${id}/`));
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

test('import several requests: the list shows them under their source, marked imported, a failed one saying why', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  const hello = await startFromForm(shell, startPage, 'hello');
  await requestPage.expectState('COMPLETE');
  await startPage.pickType('fail');
  const failed = await startPage.submit();
  await requestPage.expectState('FAIL');
  await expect(page.getByTestId('failed-job-exit')).toHaveText('exit 3');
  const ids = [hello, failed];
  const file = await exportFromList(shell, page, testInfo, ids);

  await page.getByTestId('import-file').setInputFiles(file);
  await expect(shell.toasts).toContainText(`Imported 2 requests into ${SOURCE} (read-only)`);
  await expect(shell.contextName).toHaveText(SOURCE);
  // Not a live context: no online or offline mark.
  await expect(page.getByTestId('context-switcher').locator('.dot')).toHaveClass(/\bunknown\b/);
  for (const id of ids) {
    const row = page.locator(`[data-testid="request-row"][data-id="${id}"]`);
    await expect(row).toHaveCount(1);
    await expect(row.locator('.tag')).toHaveText('imported');
  }
  // Why it failed, from what the file carried.
  await expect(page.locator(`[data-testid="request-row"][data-id="${failed}"]`).getByTestId('request-why')).toHaveText(
    /^check-disk@\d+ · exit 3 · error: \/data is 100% full, refusing to continue$/,
  );
  await snapScreens(page, testInfo, 'imported-list');
  await shell.switchContext('local');
  for (const id of ids) {
    await expect(page.locator(`[data-testid="request-row"][data-id="${id}"] .tag`)).toHaveCount(0);
  }
});
