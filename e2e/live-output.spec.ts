// Following a running job's output in Chromium: the Logs tab shows the running try as it
// prints (the lines an operator reads, growing while the request is still RUNNING), keeps the
// end in view until the operator scrolls up, and follows again with the Follow button; the
// Jobs tab and the chain panel show the job's status text (its last line). Against a Request
// Manager without the live-output route (the 2017 original answers 404 there: a proxy in
// front of a second engine), the Logs tab shows the status text and says the output arrives
// when the try ends; against a v2.1.1 server (its recorded running moment) the same, without
// ever asking it for live output. Screenshots at 1024 px and 1920 px, light and dark.

import { expect, test } from './fixtures';
import { snapLooks } from './support/flows';
import { startEngine } from './support/engine';
import { hidingProxy } from '../test/support/hiding-proxy';
import { RUNNING_DEMO, replayV2RunningMoment } from '../test/support/v2-world';
import type { Page } from '@playwright/test';
import type { RequestPage } from './pages/request-page';
import type { StartPage } from './pages/start-page';

test.describe.configure({ timeout: 180_000 });

/** The job's status: its last line, on stdout (every step) or stderr (every tenth). */
const STATUS = /^step \d+( of 3000)?: shard \d+ (migrated|was slow to answer)$/;

/** Starts a live-progress request from the form and opens its running job's logs. */
async function startProgressLogs(startPage: StartPage, requestPage: RequestPage, steps: number, pause: number) {
  await startPage.pickType('live-progress');
  await startPage.arg('steps').fill(String(steps));
  await startPage.arg('pause').fill(String(pause));
  await startPage.submit();
  await requestPage.expectState('RUNNING');
  await requestPage.tab('logs');
  await requestPage.selectJobStartingWith('migrate-shards');
}

/** "123 lines" in the viewer's bar, as a number. */
async function linesShown(page: Page): Promise<number> {
  const text = (await page.getByTestId('log-line-count').textContent()) ?? '';
  return Number(text.replace(/[^0-9]/g, ''));
}

/** The line numbers of the log lines on screen, first and last. */
async function visibleLineNumbers(page: Page): Promise<{ first: number; last: number }> {
  const numbers = await page
    .locator('[data-testid="log-line"]:visible')
    .evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.line)));
  return { first: Math.min(...numbers), last: Math.max(...numbers) };
}

/** The line numbers on screen once the view has come to rest (a wheel scroll may still be moving it). */
async function restingLineNumbers(page: Page): Promise<{ first: number; last: number }> {
  let seen = await visibleLineNumbers(page);
  await expect
    .poll(
      async () => {
        const now = await visibleLineNumbers(page);
        const still = now.first === seen.first;
        seen = now;
        return still;
      },
      { intervals: [250] },
    )
    .toBe(true);
  return seen;
}

/**
 * Scrolls the log up with the mouse wheel, as an operator does: resolves with the lines on screen
 * once the view has moved and come to rest (Chromium scrolls smoothly, after the wheel event).
 */
async function wheelUp(page: Page, pixels: number): Promise<{ first: number; last: number }> {
  const viewport = page.getByTestId('log-viewport');
  const top = () => viewport.evaluate((el) => el.scrollTop);
  const before = await top();
  await viewport.hover();
  await page.mouse.wheel(0, -pixels);
  await expect.poll(top).toBeLessThan(before);
  let seen = await top();
  await expect
    .poll(
      async () => {
        const now = await top();
        const still = now === seen;
        seen = now;
        return still;
      },
      { intervals: [300] },
    )
    .toBe(true);
  return restingLineNumbers(page);
}

test.beforeEach(async ({ page, shell }) => {
  await page.setViewportSize({ width: 1360, height: 820 });
  await shell.open();
});

test('follow a running job: lines appear as printed, the view keeps up until scrolled up', async ({
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await startProgressLogs(startPage, requestPage, 3000, 0.1);
  const jobId = (await page.locator('[data-testid="log-job"][data-job^="migrate-shards"]').getAttribute('data-job'))!;
  const liveTab = page.locator('[data-testid="try-tab"][data-live="true"]');
  await expect(liveTab).toHaveAttribute('aria-selected', 'true');
  await expect(liveTab).toContainText('Try 1');
  await expect(page.getByTestId('live-badge')).toHaveText('live');
  // Its first try is running: the job list counts it.
  await expect(page.locator(`[data-testid="log-job"][data-job="${jobId}"] .try-count`)).toHaveText('1');
  // Every line on screen reads as the job printed it: line n is step n.
  const readsRight = async () => {
    const lines = await page
      .locator('[data-testid="log-line"]:visible')
      .evaluateAll((els) => els.map((el) => [Number((el as HTMLElement).dataset.line), el.textContent ?? '']));
    return (
      lines.length > 0 &&
      lines.every(([n, text]) => (text as string).endsWith(`step ${n} of 3000: shard ${n} migrated`))
    );
  };
  await expect.poll(readsRight).toBe(true);

  // The lines grow while the request still runs, and the view stays at the end.
  const before = await linesShown(page);
  await expect.poll(() => linesShown(page), { timeout: 20_000 }).toBeGreaterThan(before + 5);
  await requestPage.expectState('RUNNING', 1000);
  await expect(page.getByTestId('log-follow')).toHaveAttribute('aria-pressed', 'true');
  await expect
    .poll(async () => (await visibleLineNumbers(page)).last - (await linesShown(page)), { timeout: 5000 })
    .toBeGreaterThanOrEqual(-2);
  const lastLine = page.locator('[data-testid="log-line"]:visible').last();
  await expect(lastLine).toContainText(/step \d+ of 3000: shard \d+ migrated/);
  // The status is the last line printed.
  await expect(page.getByTestId('live-status')).toHaveText(STATUS);
  await snapLooks(page, testInfo, 'live-following');

  // Scrolling up stops following: new lines come, the view stays where the operator put it.
  await page.setViewportSize({ width: 1360, height: 820 });
  const readingAt = await wheelUp(page, 2000);
  await expect(page.getByTestId('log-follow')).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('log-follow')).toHaveText('⤓ Follow');
  const count = await linesShown(page);
  await expect.poll(() => linesShown(page), { timeout: 20_000 }).toBeGreaterThan(count + 5);
  expect((await visibleLineNumbers(page)).first).toBe(readingAt.first);

  // Follow again: back to the end, and it keeps up.
  await page.getByTestId('log-follow').click();
  await expect(page.getByTestId('log-follow')).toHaveAttribute('aria-pressed', 'true');
  const resumed = await linesShown(page);
  await expect.poll(() => linesShown(page), { timeout: 20_000 }).toBeGreaterThan(resumed + 3);
  await expect
    .poll(async () => (await visibleLineNumbers(page)).last - (await linesShown(page)), { timeout: 5000 })
    .toBeGreaterThanOrEqual(-2);

  // The Jobs tab and the chain panel show the running job's status text.
  await requestPage.tab('jobs');
  const row = page.locator('[data-testid="job-row"]').filter({ hasText: jobId });
  await expect(row.getByTestId('job-status')).toHaveText(STATUS);
  const status = row.getByTestId('job-status');
  const first = await status.textContent();
  await expect.poll(() => status.textContent()).not.toBe(first);
  await snapLooks(page, testInfo, 'live-jobs-tab');
  await requestPage.tab('chain');
  await page.getByTestId('chain-find').fill(jobId);
  await page.getByTestId('chain-find').press('Enter');
  await expect(page.getByTestId('job-panel-id')).toHaveText(jobId);
  await expect(page.getByTestId('job-panel')).toContainText(
    /Status\s*step \d+(: shard \d+ was slow to answer| of 3000: shard \d+ migrated)/,
  );
  await snapLooks(page, testInfo, 'live-chain-panel');
  // From the panel, straight to the running try's output.
  await page.getByTestId('job-panel-follow').click();
  await expect(page.getByTestId('logs-tab')).toBeVisible();
  await expect(page.locator('[data-testid="try-tab"][data-live="true"]')).toHaveAttribute('aria-selected', 'true');

  await page.setViewportSize({ width: 1360, height: 820 });
  await expect.poll(() => linesShown(page), { timeout: 20_000 }).toBeGreaterThan(40);
  // Scrolled up to read, the operator stops the request: the try ends, its log takes over, and
  // the view stays where it was put.
  const reading = await wheelUp(page, 300);
  await expect(page.getByTestId('log-follow')).toHaveAttribute('aria-pressed', 'false');
  await requestPage.stop();
  await page.getByTestId('confirm-stop').click();
  await expect(page.getByTestId('stop-outcome')).toContainText('STOPPED', { timeout: 30_000 });
  await page.getByTestId('stop-dialog').getByRole('button', { name: 'Close', exact: true }).click();
  await requestPage.expectState('STOPPED');
  await expect(requestPage.tryTab(1)).not.toHaveAttribute('data-live', 'true');
  await expect(requestPage.tryTab(1)).toContainText('exit 143');
  await expect(requestPage.tryExit).toHaveText('143');
  expect((await visibleLineNumbers(page)).first).toBe(reading.first);
  await expect(page.getByTestId('log-follow')).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(readsRight).toBe(true);
  // Follow: to the end of the log, every line as printed; at the top, its first line.
  await page.getByTestId('log-follow').click();
  const total = await linesShown(page);
  const lineAt = (n: number) => page.locator(`[data-testid="log-line"][data-line="${n}"]`);
  await expect.poll(async () => (await visibleLineNumbers(page)).last).toBe(total);
  await expect(lineAt(total)).toContainText(`step ${total} of 3000: shard ${total} migrated`);
  await expect.poll(readsRight).toBe(true);
  await page.getByTestId('log-viewport').evaluate((el) => (el.scrollTop = 0));
  await expect(lineAt(1)).toContainText('step 1 of 3000: shard 1 migrated');
  expect((await visibleLineNumbers(page)).first).toBe(1);
  await expect.poll(readsRight).toBe(true);
});

test('a Request Manager without live output: the status text, and the output when the try ends', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  const engine = await startEngine();
  const proxy = await hidingProxy(engine.url, /\/output\//);
  try {
    const name = `original-${testInfo.workerIndex}-${Date.now().toString(36)}`;
    await shell.addContext(name, proxy.url, 'staging');
    await shell.switchContext(name);
    await expect(shell.offlineBanner).toBeHidden({ timeout: 20_000 });
    await startProgressLogs(startPage, requestPage, 20, 1);
    const note = page.getByTestId('log-status-only');
    await expect(note).toContainText('does not serve live output');
    await expect(note).toContainText('arrives when it ends');
    await expect(page.getByTestId('log-status-text')).toHaveText(/^step \d+ of 20: shard \d+ migrated$/);
    expect(proxy.refused.some((p) => p.includes('/output/'))).toBe(true);
    await snapLooks(page, testInfo, 'live-status-only');

    // The try ends: its whole output is there.
    await requestPage.expectState('COMPLETE', 30_000);
    await expect(note).toBeHidden();
    await expect(requestPage.tryTab(1)).toBeVisible();
    await expect(requestPage.logLines.first()).toContainText('step 1 of 20: shard 1 migrated');
    await expect(requestPage.logLines.last()).toContainText('all 20 shards migrated');
  } finally {
    await proxy.close();
    engine.child.kill('SIGKILL');
  }
});

test('a v2 server: the running job’s status text, and no live output asked for', async ({
  shell,
  requestPage,
  page,
}, testInfo) => {
  const v2 = await replayV2RunningMoment();
  try {
    const name = `v2-live-${testInfo.workerIndex}-${Date.now().toString(36)}`;
    await shell.addContext(name, v2.url, 'production');
    await shell.goto(`#/r/${name}/${RUNNING_DEMO}/logs`);
    await requestPage.expectState('RUNNING');
    await requestPage.selectJob('y3dr');
    const note = page.getByTestId('log-status-only');
    await expect(note).toContainText('does not serve live output');
    await expect(note).toContainText('arrives when it ends');
    await expect(page.getByTestId('log-status-text')).toHaveText('sleeping 6s since 2026-12-02T18:08:29Z');
    await snapLooks(page, testInfo, 'live-status-only-v2');
    expect(v2.received.filter((r) => r.path.includes('/output/'))).toEqual([]);
  } finally {
    await v2.close();
  }
});
