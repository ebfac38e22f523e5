// The context on screen is the one the top bar names, in Chromium against the real embedded
// engine: a second context on an engine of its own (as "production"), a deep link and a log-search
// hit to one of its requests while another context is current, a context whose URL does not
// answer (saved with a warning that says why, offline with the reason, its empty list saying
// the RM cannot list requests), a link to a context this console does not have, and the
// context menu closing on Escape and on navigation.

import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { AppShell } from './pages/app-shell';
import { startEngine } from './support/engine';
import { freePort } from './support/ports';
import { snapScreens } from './support/screens';

test.describe.configure({ timeout: 90_000 });

/** Conventional colours (src-renderer/lib/env-colours.ts), as the browser reports them. */
const RED = 'rgb(198, 40, 40)';
const GREEN = 'rgb(46, 125, 50)';

const switcher = (page: Page) => page.getByTestId('context-switcher');
const leftBorder = (el: Locator) => el.evaluate((e) => getComputedStyle(e).borderLeftColor);

async function expectTopBar(shell: AppShell, name: string, env: string, colour: string): Promise<void> {
  await expect(shell.contextName).toHaveText(name);
  await expect(shell.contextEnv).toHaveText(env);
  await expect.poll(() => leftBorder(switcher(shell.page))).toBe(colour);
}

test('a request of another context, opened by link or log search, brings its context into the top bar', async ({
  shell,
  startPage,
  requestPage,
  logSearch,
  page,
}, testInfo) => {
  const engine = await startEngine();
  try {
    await shell.open();
    await expectTopBar(shell, 'local', 'embedded', GREEN);
    const prod = `prod-${testInfo.workerIndex}-${Date.now().toString(36)}`;
    await shell.addContext(prod, engine.url, 'production');
    await expect(page.getByTestId('context-warning')).toHaveCount(0);

    // A request started in prod.
    await shell.switchContext(prod);
    await expectTopBar(shell, prod, 'production', RED);
    const word = `prodword${Date.now().toString(36)}`;
    await startPage.pickType('hello');
    await startPage.arg('msg').fill(`deploying ${word}`);
    const id = await startPage.submit();
    await requestPage.expectState('COMPLETE');

    // Back to local: switching away from a request shows the new context's requests.
    await shell.switchContext('local');
    await expect(page.getByTestId('requests-view')).toBeVisible();
    await expectTopBar(shell, 'local', 'embedded', GREEN);

    // A deep link to prod's request: the top bar says prod, in red, beside prod's Stop and Watch.
    await shell.goto(`#/r/${prod}/${id}/chain`);
    await expect(page.getByTestId('request-id')).toHaveText(id);
    await expectTopBar(shell, prod, 'production', RED);
    await snapScreens(page, testInfo, 'deep-link-other-context');
    // and the list it leads back to is prod's
    await shell.goto('#/requests');
    await expect(page.locator(`[data-testid="request-row"][data-id="${id}"]`)).toBeVisible();
    await expectTopBar(shell, prod, 'production', RED);

    // A log-search hit of prod's request, found while local is current.
    await shell.switchContext('local');
    await logSearch.searchUntilFound(word);
    await expectTopBar(shell, 'local', 'embedded', GREEN);
    await logSearch.hits.first().click();
    await expect(page.getByTestId('request-id')).toHaveText(id);
    await expectTopBar(shell, prod, 'production', RED);
  } finally {
    engine.child.kill('SIGKILL');
  }
});

test('a context whose URL does not answer is saved with a warning that says why, and shows offline with the reason', async ({
  shell,
  page,
}, testInfo) => {
  await shell.open();
  const down = `down-${testInfo.workerIndex}-${Date.now().toString(36)}`;
  const url = `http://127.0.0.1:${await freePort()}`;
  await switcher(page).click();
  await page.getByTestId('manage-contexts').click();
  const dialog = page.getByTestId('contexts-dialog');
  await dialog.getByTestId('add-context').click();
  // The form starts empty: no name, URL or label carried over.
  await expect(dialog.getByTestId('context-form-name')).toHaveValue('');
  await expect(dialog.getByTestId('context-form-url')).toHaveValue('');
  await expect(dialog.getByTestId('context-form-env')).toHaveValue('');
  await dialog.getByTestId('context-form-name').fill(down);
  await dialog.getByTestId('context-form-url').fill(url);
  await dialog.getByTestId('context-form-env').fill('staging');
  await dialog.getByTestId('context-form-save').click();
  await expect(dialog.getByTestId('context-warning')).toHaveText(
    `Saved ${down}, but ${url} does not answer: cannot reach ${url}/version: ` +
      'connection refused (is the Request Manager running?). It shows offline until it does.',
  );
  const row = dialog.locator(`[data-testid="context-row"][data-name="${down}"]`);
  await expect(row.getByTestId('context-status')).toContainText('offline', { timeout: 20_000 });
  await expect(row.getByTestId('context-status-why')).toContainText('connection refused');
  await snapScreens(page, testInfo, 'context-saved-offline');
  await dialog.getByRole('button', { name: 'Done' }).click();

  // Its (empty) list says why it is empty; the banner says why it is offline.
  await shell.switchContext(down);
  await expect(shell.contextEnv).toHaveText('staging');
  await expect(shell.offlineBanner).toBeVisible();
  await expect(page.getByTestId('offline-why')).toContainText('connection refused');
  await expect(page.getByTestId('requests-empty')).toContainText(`No request of ${down} is known to this console yet.`);
  await expect(page.getByTestId('requests-empty-why')).toHaveText(
    `${down} does not answer: these are the requests cached here.`,
  );
  await snapScreens(page, testInfo, 'offline-empty-list');

  // A link to one of its requests from local: the top bar and the banner speak of it.
  await shell.switchContext('local');
  await expect(shell.offlineBanner).toBeHidden();
  await shell.goto(`#/r/${down}/0123456789abcdef0123/chain`);
  await expect(shell.contextName).toHaveText(down);
  await expect(shell.offlineBanner).toContainText(`${down} does not answer`);
  await expect(page.getByTestId('request-error')).toBeVisible();
});

test('a link to a context this console does not have names it as such', async ({ shell }) => {
  await shell.open();
  await shell.goto('#/r/elsewhere/0123456789abcdef0123/chain');
  await expect(shell.contextName).toHaveText('elsewhere');
  await expect(shell.contextEnv).toHaveText('not in this console');
  await shell.goto('#/requests');
  await expect(shell.contextName).toHaveText('local');
});

test('the context menu closes on Escape, on a click elsewhere and on navigation', async ({ shell, page }) => {
  await shell.open();
  const menu = page.getByTestId('context-menu');
  await switcher(page).click();
  await expect(menu).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(switcher(page)).toBeFocused();

  await switcher(page).click();
  await expect(menu).toBeVisible();
  await page.getByTestId('requests-view').click({ position: { x: 5, y: 5 } });
  await expect(menu).toBeHidden();

  await switcher(page).click();
  await expect(menu).toBeVisible();
  await shell.goto('#/start');
  await expect(page.getByTestId('start-view')).toBeVisible();
  await expect(menu).toBeHidden();
});
