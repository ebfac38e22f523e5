// What the console shows is true: a running job's runtime is what it has run, and grows; a
// failed request says which job failed and why as it opens; a stop gives one toast and no
// error; a log-search hit lands on its line. In Chromium through the web bridge, against the
// real embedded engine (and a second engine this file starts and kills, for cached runtimes).
// Every flow is looked at in 1024×700 and 1920×1080, light and dark (the test's attachments).

import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { withEngineContext } from './support/engine';
import { snapLooks, startFromForm } from './support/flows';

test.describe.configure({ timeout: 120_000 });

/** A duration as the console prints it (850ms, 4.2s, 12s, 4m 05s, 2h 03m) in ms. */
function durationMs(text: string | null): number {
  const t = (text ?? '')
    .replace(/^≥\s*/, '')
    .replace(/cached$/i, '')
    .trim();
  let m: RegExpExecArray | null;
  if ((m = /^(\d+)ms$/.exec(t))) return Number(m[1]);
  if ((m = /^(\d+(?:\.\d+)?)s$/.exec(t))) return Number(m[1]) * 1000;
  if ((m = /^(\d+)m (\d+)s$/.exec(t))) return (Number(m[1]) * 60 + Number(m[2])) * 1000;
  if ((m = /^(\d+)h (\d+)m$/.exec(t))) return (Number(m[1]) * 60 + Number(m[2])) * 60_000;
  throw new Error(`not a duration: ${JSON.stringify(text)}`);
}

const readMs = async (cell: Locator) => durationMs(await cell.textContent());
const jobRow = (page: Page, prefix: string) => page.locator(`[data-testid="job-row"][data-job^="${prefix}"]`);

test('a running job’s runtime is what it has run, it grows, it sorts first; stop gives one toast', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  const startedBy = Date.now();
  const id = await startFromForm(shell, startPage, 'long-job');
  await requestPage.expectState('RUNNING');
  await requestPage.tab('jobs');
  const runtime = jobRow(page, 'nap@').getByTestId('job-runtime');
  // Known once the RM's running list has shown it: never a made-up 0 before.
  await expect(runtime).toHaveAttribute('data-kind', 'live', { timeout: 20_000 });
  const seenAt = Date.now();
  const first = await readMs(runtime);
  expect(first).toBeGreaterThan(0);
  // The running job sorts first, whatever its name.
  await expect(page.getByTestId('job-row').first()).toHaveAttribute('data-job', /^nap@/);
  // Its first try is running: one try made, of at most one (not 0/1).
  await expect(page.getByTestId('job-row').first().getByTestId('job-tries')).toHaveText('1/1');

  await page.waitForTimeout(4000);
  const waited = Date.now() - seenAt;
  // It has run at least as long as we waited (the figure ticks each second: it gets there).
  await expect.poll(() => readMs(runtime), { timeout: 3000 }).toBeGreaterThanOrEqual(waited);
  const later = await readMs(runtime);
  expect(later).toBeGreaterThan(first);
  // And no longer than the request has existed.
  expect(later).toBeLessThanOrEqual(Date.now() - startedBy + 1000);
  // The header lists it with its runtime too.
  await expect(page.getByTestId('header-running')).toContainText('nap@');
  expect(
    durationMs(await page.getByTestId('header-running').getByTestId('job-runtime').textContent()),
  ).toBeGreaterThanOrEqual(waited - 1000);
  await snapLooks(page, testInfo, 'jobs-running');

  // The Stop dialog shows the same truth, then one toast and no page error for the stop.
  await page.setViewportSize({ width: 1024, height: 700 });
  await requestPage.stop();
  const listed = page.getByTestId('stop-running-jobs').locator('li[data-job^="nap@"]').getByTestId('job-runtime');
  await expect(listed).toHaveAttribute('data-kind', 'live');
  expect(await readMs(listed)).toBeGreaterThanOrEqual(waited);
  await snapLooks(page, testInfo, 'stop-dialog');
  // Every toast about this request, as it appears (toasts go after 5 s: count them as they come;
  // other tests' requests may toast here too).
  await page.evaluate(
    (short) => {
      const seen: string[] = [];
      (window as unknown as { stopToasts: string[] }).stopToasts = seen;
      new MutationObserver((records) => {
        for (const r of records)
          for (const n of r.addedNodes)
            if (n instanceof HTMLElement && n.classList.contains('toast') && n.textContent?.includes(short))
              seen.push(n.textContent);
      }).observe(document.querySelector('[data-testid="toasts"]') as Element, { childList: true });
    },
    id.slice(0, 8),
  );
  await page.getByTestId('confirm-stop').click();
  await expect(page.getByTestId('stop-outcome')).toContainText('STOPPED', { timeout: 30_000 });
  const stopToasts = () => page.evaluate(() => (window as unknown as { stopToasts: string[] }).stopToasts);
  await expect.poll(stopToasts).toHaveLength(1);
  await page.waitForTimeout(1500); // later syncs bring nothing more
  expect(await stopToasts()).toEqual([expect.stringContaining('is STOPPED')]);
  await page.getByTestId('stop-dialog').getByRole('button', { name: 'Close', exact: true }).click();
  await requestPage.expectState('STOPPED');
  await expect(requestPage.stopButton).toBeHidden();

  // A stopped job is not a failure: its exit is not shown as one.
  await expect(jobRow(page, 'nap@').getByTestId('state-badge')).toHaveAttribute('data-state', 'STOPPED');
  await expect(jobRow(page, 'nap@').getByTestId('job-exit')).toHaveText(/^1/);
  await expect(jobRow(page, 'nap@').getByTestId('job-exit')).not.toHaveClass(/bad/);
  // A finished job shows its last try's duration, not a live figure.
  await expect(jobRow(page, 'nap@').getByTestId('job-runtime')).toHaveAttribute('data-kind', 'last-try');
});

test('a failed request says which job failed and why, in its header and its row, and opens on it', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  const id = await startFromForm(shell, startPage, 'fail');
  await requestPage.expectState('FAIL');
  const failed = page.getByTestId('request-failure').getByTestId('failed-job');
  await expect(failed).toHaveCount(1);
  await expect(failed).toHaveAttribute('data-job', /^check-disk@\d+$/);
  await expect(failed.getByTestId('failed-job-exit')).toHaveText('exit 3');
  await expect(failed.getByTestId('failed-job-lines')).toContainText('error: /data is 100% full, refusing to continue');

  // The list says it too, in short.
  await shell.goto('#/requests');
  const row = page.locator(`[data-testid="request-row"][data-id="${id}"]`);
  await expect(row.getByTestId('request-why')).toHaveText(
    /^check-disk@\d+ · exit 3 · error: \/data is 100% full, refusing to continue$/,
  );
  await snapLooks(page, testInfo, 'list-failed');

  // One click opens it on its failure: the failing job's last try, on stderr, where the error is.
  await page.setViewportSize({ width: 1024, height: 700 });
  await row.getByTestId('request-type').click();
  await expect(page).toHaveURL(/\/logs\?job=check-disk%40\d+&try=2&stream=stderr$/);
  await expect(requestPage.tryTab(2)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('stream-stderr')).toHaveAttribute('aria-selected', 'true');
  await expect(requestPage.logLines.first()).toContainText('error: /data is 100% full');
  await snapLooks(page, testInfo, 'failed-opened');
});

test('TIMEOUT finds a request whose job timed out (the request is FAIL); First error says where it looked', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  const id = await startFromForm(shell, startPage, 'timeout');
  await requestPage.expectState('FAIL');
  await expect(page.getByTestId('failed-job-exit')).toHaveText('timed out');

  await shell.goto('#/requests');
  await page.getByTestId('state-filter-TIMEOUT').click();
  const row = page.locator(`[data-testid="request-row"][data-id="${id}"]`);
  await expect(row.getByTestId('state-badge')).toHaveAttribute('data-state', 'FAIL');
  await expect(row.getByTestId('request-why')).toHaveText(/^wait-for-lock@\d+ · timed out · timeout after 1000ms$/);
  // Only requests with a timed-out job: none of the rows is a plain failure.
  const whys = await page
    .locator('[data-testid="request-row"]:visible [data-testid="request-why"]:visible')
    .allTextContents();
  expect(whys.length).toBeGreaterThan(0);
  for (const why of whys) expect(why).toContain('timed out');
  await page.getByTestId('state-filter-TIMEOUT').click();

  // Its log: stdout has no error line, stderr is empty; First error says so and gives the error.
  // (Opened by its route: other tests start requests in this context, and a row at the top of
  // the list can move under the pointer as they arrive.)
  await shell.goto(`#/r/local/${id}`);
  await expect(page.getByTestId('stream-stdout')).toHaveAttribute('aria-selected', 'true');
  await expect(requestPage.logLines.first()).toContainText('waiting for /var/lock/deploy');
  await page.getByTestId('log-jump-error').click();
  await expect(page.getByTestId('first-error-note')).toHaveText(
    'No error line in stdout (stderr is empty); the job’s error: timeout after 1000ms',
  );
  await snapLooks(page, testInfo, 'timeout-first-error');
});

test('a log-search hit lands on its line, highlighted; a line number is a permalink', async ({
  shell,
  startPage,
  requestPage,
  logSearch,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await startFromForm(shell, startPage, 'long-log');
  await requestPage.expectState('COMPLETE');
  await expect
    .poll(
      async () => {
        await logSearch.search('4321');
        return logSearch.hits.count();
      },
      { timeout: 20_000 },
    )
    .toBeGreaterThan(0);
  await logSearch.hits.first().click();
  await expect(page.getByTestId('logs-tab')).toBeVisible();
  await expect(page).toHaveURL(/stream=stdout&find=4321$/);
  const line = page.locator('[data-testid="log-line"][data-line="4321"]');
  await expect(line.locator('mark.current')).toHaveText('4321');
  await expect(line).toBeInViewport();
  await expect(line).toContainText('line 4321 of 5000');

  // A click on its number makes the address a link to it; opened again, it shows that line.
  await line.locator('.gutter').click();
  await expect(page).toHaveURL(/&line=4321/);
  await expect(line).toHaveClass(/picked-line/);
  await expect(page.getByTestId('log-copy-line-link')).toBeVisible();
  await page.reload();
  const again = page.locator('[data-testid="log-line"][data-line="4321"]');
  await expect(again).toHaveClass(/picked-line/);
  await expect(again).toBeInViewport();
  await snapLooks(page, testInfo, 'log-permalink');
});

test('when the RM stops answering, the Stop dialog’s runtimes say they are cached and stand still', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await withEngineContext(shell, testInfo, 'rt', async (engine) => {
    await startPage.pickType('long-job');
    await startPage.submit();
    await requestPage.expectState('RUNNING');
    await requestPage.tab('jobs');
    await expect(jobRow(page, 'nap@').getByTestId('job-runtime')).toHaveAttribute('data-kind', 'live', {
      timeout: 20_000,
    });
    await requestPage.stop();
    const listed = page.getByTestId('stop-running-jobs').locator('li[data-job^="nap@"]').getByTestId('job-runtime');
    await expect(listed).toHaveAttribute('data-kind', 'live');

    engine.child.kill('SIGKILL');
    await expect(shell.offlineBanner).toBeVisible({ timeout: 30_000 });
    await expect(listed).toHaveAttribute('data-kind', 'cached');
    await expect(listed).toContainText(/^≥ .*cached$/);
    const frozen = await listed.textContent();
    await page.waitForTimeout(2500);
    await expect(listed).toHaveText(frozen ?? '');
    await expect(page.getByTestId('stop-dialog')).toContainText('runtimes as of the RM’s last answer');
    await snapLooks(page, testInfo, 'stop-dialog-cached');
  });
});

test('long args fold: Watch and Stop stay on screen at 1024 px', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await shell.open();
  await startPage.pickType('rolling-restart');
  const hosts = Array.from({ length: 24 }, (_, i) => `web-${String(i).padStart(2, '0')}.east.example.com`);
  await startPage.arg('hosts').fill(JSON.stringify(hosts));
  await startPage.arg('pause').fill('30');
  await startPage.submit();
  await requestPage.expectState('RUNNING');
  await expect(page.getByTestId('watch-toggle')).toBeInViewport({ ratio: 1 });
  await expect(requestPage.stopButton).toBeInViewport({ ratio: 1 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
  // Folded to two lines, every host a click away.
  const args = page.getByTestId('request-args');
  const folded = (await args.boundingBox())?.height ?? 0;
  expect(folded).toBeLessThan(50);
  await snapLooks(page, testInfo, 'header-long-args');
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.getByTestId('args-fold').click();
  await expect(args).toContainText('web-23.east.example.com');
  expect((await args.boundingBox())?.height ?? 0).toBeGreaterThan(folded);
  await expect(requestPage.stopButton).toBeInViewport({ ratio: 1 });
  await requestPage.stop();
  await page.getByTestId('confirm-stop').click();
  await expect(page.getByTestId('stop-outcome')).toContainText('STOPPED', { timeout: 30_000 });
});

test('a request created elsewhere: its args as the server tells them (ours does), in the header, the command and its jobs', async ({
  shell,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await withEngineContext(
    shell,
    testInfo,
    'else',
    async (engine, name) => {
      // Another client creates it, with an arg the console never saw.
      const res = await fetch(`${engine.url}/api/v1/requests`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ Type: 'fail', Args: { exitCode: '7' }, User: 'someone-else' }),
      });
      const { id } = (await res.json()) as { id: string };
      const state = async () =>
        ((await (await fetch(`${engine.url}/api/v1/requests/${id}`)).json()) as { state: number }).state;
      await expect.poll(state).toBe(4); // FAIL
      await shell.goto(`#/r/${name}/${id}`);
      await requestPage.expectState('FAIL');
      // Our RM says what a request was created with (docs/protocol/extensions.md §2).
      await expect(page.getByTestId('request-args')).toHaveText('exitCode=7');
      await expect(page.getByTestId('request-cli')).toHaveText(`spincycle --context ${name} start fail exitCode=7`);
      // It opened on its failure; the failing job's args come from the chain.
      await expect(page.getByTestId('logs-tab')).toBeVisible();
      await expect(page.getByTestId('failed-job-exit')).toHaveText('exit 7');
      await expect(page.getByTestId('job-args')).toContainText('exitCode=7');
      await snapLooks(page, testInfo, 'created-elsewhere');
    },
    { switchTo: false },
  );
});
