// One test per operator flow, in Chromium through the web bridge, against the real embedded
// engine (and, for offline review, a second engine this test starts and kills). Each flow
// saves screenshots of the views it passes through (test artifacts).

import { expect, test } from './fixtures';
import type { AppShell } from './pages/app-shell';
import { snap, startFromForm } from './support/flows';
import type { RequestPage } from './pages/request-page';
import type { StartPage } from './pages/start-page';
import { withEngineContext } from './support/engine';

test.describe.configure({ timeout: 90_000 });

/** Starts a `fail` request from the form, waits for FAIL and opens its failing job's logs. */
async function openFailedJobLogs(shell: AppShell, startPage: StartPage, requestPage: RequestPage): Promise<void> {
  await startFromForm(shell, startPage, 'fail');
  await requestPage.expectState('FAIL');
  await requestPage.tab('logs');
  await requestPage.selectJobStartingWith('check-disk');
}

test('(a) start a hello request from the form and watch it complete', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1360, height: 820 });
  await shell.open();
  await expect(shell.contextName).toHaveText('local');
  await expect(shell.contextEnv).toHaveText('embedded');

  await startPage.pickType('hello');
  await expect(startPage.arg('msg')).toHaveValue('hello from Spin Cycle');
  await startPage.arg('msg').fill('hi from e2e');
  await expect(startPage.cli).toHaveText("spincycle --context local start hello 'msg=hi from e2e'");
  await expect(page.getByTestId('arg-rule')).toContainText('JSON');
  await snap(page, testInfo, 'start-form');

  const id = await startPage.submit();
  expect(id).toMatch(/^[0-9a-f]{20,}$/);
  await requestPage.expectState('COMPLETE');
  await expect(page.getByTestId('request-args')).toContainText('hi from e2e');
  await expect(page.getByTestId('request-cli')).toContainText('start hello');
  await expect(page.getByTestId('chain-canvas')).toBeVisible();
  await snap(page, testInfo, 'request-chain');

  await requestPage.tab('jobs');
  await expect(page.getByTestId('job-row').first()).toBeVisible();
  await snap(page, testInfo, 'request-jobs');
  await requestPage.tab('timeline');
  await snap(page, testInfo, 'request-timeline');
  await requestPage.tab('logs');
  await requestPage.selectJobStartingWith('greet');
  await expect(requestPage.logLines.first()).toContainText('hi from e2e');

  // the list shows it too, with its state
  await shell.goto('#/requests');
  const row = page.locator(`[data-testid="request-row"][data-id="${id}"]`);
  await expect(row.getByTestId('state-badge')).toHaveAttribute('data-state', 'COMPLETE');
  await snap(page, testInfo, 'requests-list');
});

test('(b) read a failed job’s logs try by try', async ({ shell, startPage, requestPage, page }, testInfo) => {
  await page.setViewportSize({ width: 1360, height: 820 });
  await openFailedJobLogs(shell, startPage, requestPage);
  await expect(requestPage.tryTab(1)).toBeVisible();
  await expect(requestPage.tryTab(2)).toBeVisible();

  await requestPage.tryTab(1).click();
  await expect(requestPage.tryExit).toHaveText('3');
  await expect(requestPage.tryError).toContainText('exit status 3');
  await requestPage.stream('stdout');
  await expect(requestPage.logLines.first()).toContainText('(try 1)');
  await requestPage.stream('stderr');
  await expect(requestPage.logLines.first()).toContainText('100% full');

  await requestPage.tryTab(2).click();
  await requestPage.stream('stdout');
  await expect(requestPage.logLines.first()).toContainText('(try 2)');
  // ANSI colours show as colours, not escape codes.
  const line = (n: number) => page.locator(`[data-testid="log-line"][data-line="${n}"]`);
  await expect(line(3).locator('.ansi-red-fg')).toHaveText('check failed');
  await expect(line(3)).not.toContainText('[31m');
  await page.getByTestId('log-find').fill('free');
  await expect(page.getByTestId('log-match-count')).toHaveText('1 / 2');
  await expect(line(1).locator('mark.current')).toHaveText('free');
  await page.getByTestId('log-next').click();
  await expect(page.getByTestId('log-match-count')).toHaveText('2 / 2');
  await expect(line(2).locator('mark.current')).toHaveText('free');
  await expect(line(1).locator('mark')).not.toHaveClass(/current/);
  await page.getByTestId('log-jump-error').click();
  await expect(page.locator('[data-testid="log-line"].error-line')).toHaveAttribute('data-line', '3');
  // Log text is read by a worker, off the page's main thread (src-renderer/lib/off-main-calls.ts).
  expect(page.workers().map((w) => w.url())).toContainEqual(expect.stringContaining('contract-worker'));
  await snap(page, testInfo, 'request-logs');

  await requestPage.tab('jobs');
  const failed = page.locator('[data-testid="job-row"][data-job^="check-disk"]');
  await expect(failed.getByTestId('job-tries')).toContainText('2');
  await expect(failed.getByTestId('job-exit')).toContainText('3');
});

test('a log still reads when its worker cannot start', async ({ shell, startPage, requestPage, page }) => {
  // The worker's script fails to load: its calls fall back to the page's own connection.
  await page.route('**/contract-worker*', (route) => route.abort());
  await openFailedJobLogs(shell, startPage, requestPage);
  await requestPage.tryTab(2).click();
  await requestPage.stream('stdout');
  await expect(requestPage.logLines.first()).toContainText('(try 2)');
  await requestPage.stream('stderr');
  await expect(requestPage.logLines.first()).toContainText('100% full');
});

test('read a long log: the lines on screen follow a scroll, a search and a jump to the end', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1360, height: 820 });
  await startFromForm(shell, startPage, 'long-log');
  await requestPage.expectState('COMPLETE');
  await requestPage.tab('logs');
  await requestPage.selectJobStartingWith('print-lines');
  await expect(page.getByTestId('log-line-count')).toHaveText('5,000 lines');
  const viewport = page.getByTestId('log-viewport');
  /** The lines drawn on screen, as [number in the gutter, text], top to bottom. */
  const onScreen = () =>
    viewport.evaluate((el) => {
      const box = el.getBoundingClientRect();
      return [...el.querySelectorAll<HTMLElement>('[data-testid="log-line"]')]
        .filter((l) => {
          const b = l.getBoundingClientRect();
          return b.height > 0 && b.bottom > box.top && b.top < box.bottom;
        })
        .map((l) => [Number(l.dataset.line), l.querySelector('.text')?.textContent ?? '']);
    });
  /** Every line on screen shows its own text, numbered in order from `first`. */
  const expectLinesFrom = async (first: number) => {
    await expect.poll(async () => (await onScreen())[0]?.[0]).toBe(first);
    const lines = await onScreen();
    expect(lines.length).toBeGreaterThan(10);
    lines.forEach(([n, text], i) => {
      expect(n).toBe(first + i);
      expect(text).toBe(`line ${n} of 5000`);
    });
  };
  await expectLinesFrom(1);
  // Lines are 19 px tall: a scroll to 2,000 lines down shows line 2,001 at the top.
  await viewport.evaluate((el) => (el.scrollTop = 19 * 2000));
  await expectLinesFrom(2001);
  await viewport.evaluate((el) => (el.scrollTop = 19 * 2000 + 19 * 7));
  await expectLinesFrom(2008);
  await snap(page, testInfo, 'long-log');
  // A search goes to its match and marks it.
  await page.getByTestId('log-find').fill('line 4321 of');
  await expect(page.getByTestId('log-match-count')).toHaveText('1 / 1');
  await expect(page.locator('[data-testid="log-line"][data-line="4321"] mark.current')).toHaveText('line 4321 of');
  // The end of the log (End on the focused viewport).
  await viewport.focus();
  await page.keyboard.press('End');
  await expect.poll(async () => (await onScreen()).at(-1)?.[0]).toBe(5000);
  expect((await onScreen()).at(-1)?.[1]).toContain('line 5000 of 5000');
});

test('(d) find a log line across all cached requests with log search', async ({
  shell,
  startPage,
  requestPage,
  logSearch,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1360, height: 820 });
  await shell.open();
  const word = `needle${Date.now().toString(36)}`;
  await startPage.pickType('hello');
  await startPage.arg('msg').fill(`looking for ${word} here`);
  const id = await startPage.submit();
  await requestPage.expectState('COMPLETE');

  await logSearch.searchUntilFound(word);
  await expect(logSearch.hits.first().locator('mark')).toHaveText(word);
  await snap(page, testInfo, 'log-search');
  await logSearch.hits.first().click();
  await expect(page.getByTestId('logs-tab')).toBeVisible();
  await expect(page.getByTestId('request-id')).toHaveText(id);
  await expect(requestPage.logLines.first()).toContainText(word);
});

// ---- (e) offline review -------------------------------------------------------------------

test('(e) stop the engine and still read everything offline', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1360, height: 820 });
  await withEngineContext(shell, testInfo, 'remote', async (engine) => {
    await startPage.pickType('fail');
    const id = await startPage.submit();
    await requestPage.expectState('FAIL');
    await requestPage.tab('logs');
    await requestPage.selectJobStartingWith('check-disk');
    await expect(requestPage.tryTab(2)).toBeVisible();

    engine.child.kill('SIGKILL');
    await expect(shell.offlineBanner).toBeVisible({ timeout: 30_000 });
    await expect(shell.cacheAge).toContainText('last synced');

    // Reload: everything comes from the cache.
    await page.reload();
    await expect(shell.offlineBanner).toBeVisible({ timeout: 15_000 });
    await expect(shell.cacheAge).toContainText('last synced');
    await expect(page.getByTestId('request-id')).toHaveText(id);
    await requestPage.expectState('FAIL');
    await requestPage.selectJobStartingWith('check-disk');
    await requestPage.tryTab(1).click();
    await requestPage.stream('stderr');
    await expect(requestPage.logLines.first()).toContainText('100% full');
    await snap(page, testInfo, 'offline-logs');

    await shell.goto('#/requests');
    await expect(page.locator(`[data-testid="request-row"][data-id="${id}"]`)).toBeVisible();
    await snap(page, testInfo, 'offline-list');
  });
});

test('palette, settings and dark theme', async ({ shell, startPage, requestPage, page }, testInfo) => {
  await page.setViewportSize({ width: 1360, height: 820 });
  await shell.open();
  const palette = await shell.openPalette();
  await page.getByTestId('palette-input').fill('start hel');
  await expect(palette.getByTestId('palette-item').first()).toContainText('Start hello');
  await snap(page, testInfo, 'palette');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('start-form')).toBeVisible();
  const id = await startPage.submit(); // a request of its own to look at in dark
  await requestPage.expectState('COMPLETE');

  await page.getByTestId('open-settings').click();
  await expect(page.getByTestId('settings-dialog')).toBeVisible();
  await snap(page, testInfo, 'settings');
  await page.getByTestId('theme-dark').check({ force: true });
  await page.getByTestId('settings-save').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await shell.goto('#/requests');
  await expect(page.getByTestId('request-row').first()).toBeVisible();
  await snap(page, testInfo, 'requests-dark');
  // The canvases (chain, timeline) paint with the dark palette too.
  await shell.goto(`#/r/local/${id}/chain`);
  await expect(page.getByTestId('chain-canvas')).toBeVisible();
  await snap(page, testInfo, 'chain-dark');
  await requestPage.tab('timeline');
  await snap(page, testInfo, 'timeline-dark');
  // back to the default for other tests sharing this console
  await page.getByTestId('open-settings').click();
  await page.getByTestId('theme-system').check({ force: true });
  await page.getByTestId('settings-save').click();
  await shell.goto('#/requests');
  await page.getByTestId('request-count').click();
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcut-help')).toBeVisible();
});
