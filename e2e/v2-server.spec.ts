// The console against today's Spin Cycle, in Chromium through the web bridge: a v2.1.1 Request
// Manager made of its recordings (test/support/v2-world.ts) on loopback. A v2 context shows its
// generation and version; its list is the server's own (found with v2's GET /api/v1/requests),
// the suspended request SUSPENDED; a finished request reads true: its jobs by name, sorted by
// runtime with the runtimes the tries took, every try's log; a failed one names its failed job.
// And the 2017 original, which cannot list its requests: the list says so and shows what this
// console knows. Every view is looked at in 1024×700 and 1920×1080, light and dark.

import type { Locator } from '@playwright/test';
import { readExchange } from '../test/support/http-fixtures';
import { replayOriginal } from '../test/support/original-world';
import type { ReplayServer } from '../test/support/replay-server';
import { recordedRequests, replayV2World } from '../test/support/v2-world';
import { expect, test } from './fixtures';
import { snapLooks } from './support/flows';

const DEMO = 'dc85t7b8di14qp6dp5tg';
const FAILED = 'dc85t8r8di14qp6dp5u0';
const SUSPENDED = 'dc85u6j8di154hhro860';
/** The 2017 original's finished demo request (test/fixtures/http/030). */
const ORIGINAL_DEMO = 'e9545fc149a84503b4ae49021ef7353c';

test.describe.configure({ timeout: 120_000 });

let v2: ReplayServer;
let original: ReplayServer;
test.beforeAll(async () => {
  v2 = await replayV2World();
  original = await replayOriginal(
    [
      '010-rm-request-list.txt',
      '011-rm-status-running-idle.txt',
      '023-rm-get-job-chain.txt',
      '030-rm-get-request-complete.txt',
      '031-rm-request-status-complete.txt',
      '032-rm-get-full-log-complete.txt',
    ].map(readExchange),
  );
});
test.afterAll(async () => {
  await v2?.close();
  await original?.close();
});

/** A duration as the console prints it (850ms, 6.0s) in ms. */
function durationMs(text: string | null): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec((text ?? '').trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

test('a v2 server: its version, its own list, a finished request’s jobs, runtimes and logs, SUSPENDED', async ({
  shell,
  requestPage,
  page,
}, testInfo) => {
  const name = `v2-${testInfo.workerIndex}-${Date.now().toString(36)}`;
  await shell.open();
  await shell.addContext(name, v2.url, 'production');
  await shell.switchContext(name);
  await expect(shell.offlineBanner).toBeHidden({ timeout: 20_000 });

  // The contexts dialog says what the server speaks.
  await page.getByTestId('context-switcher').click();
  await expect(
    page.getByTestId('context-menu').getByRole('menuitem', { name }).getByTestId('context-generation'),
  ).toHaveText('v2.1.1');
  await page.getByTestId('manage-contexts').click();
  const dialog = page.getByTestId('contexts-dialog');
  await expect(
    dialog.locator(`[data-testid="context-row"][data-name="${name}"]`).getByTestId('context-server'),
  ).toHaveText('v2 · 2.1.1');
  await snapLooks(page, testInfo, 'v2-contexts');
  await dialog.getByRole('button', { name: 'Done' }).click();

  // The list is the server's whole history, newest first: the suspended request on top.
  const all = recordedRequests();
  await expect(page.getByTestId('request-count')).toHaveText(`${all.length} requests`);
  await expect(page.getByTestId('list-source')).toHaveText('on the server');
  const row = (id: string): Locator => page.locator(`[data-testid="request-row"][data-id="${id}"]`);
  await expect(page.getByTestId('request-row').first()).toHaveAttribute('data-id', SUSPENDED);
  await expect(row(SUSPENDED).getByTestId('state-badge')).toHaveAttribute('data-state', 'SUSPENDED');
  await expect(row(SUSPENDED).getByTestId('request-type')).toHaveText('sleep');
  await expect(row(DEMO).getByTestId('state-badge')).toHaveAttribute('data-state', 'COMPLETE');
  await expect(row(FAILED).getByTestId('state-badge')).toHaveAttribute('data-state', 'FAIL');
  await snapLooks(page, testInfo, 'v2-requests');
  // Filtered on the server.
  await page.getByTestId('state-filter-SUSPENDED').click();
  await expect(page.getByTestId('request-count')).toHaveText('1 request');
  await page.getByTestId('state-filter-SUSPENDED').click();
  await expect(page.getByTestId('request-count')).toHaveText(`${all.length} requests`);

  // A finished request: its jobs by name, the longest first with the time its try took.
  await row(DEMO).getByTestId('request-type').click();
  await expect(page).toHaveURL(new RegExp(`#/r/${name}/${DEMO}/chain$`));
  await requestPage.expectState('COMPLETE');
  await requestPage.tab('jobs');
  const first = page.getByTestId('job-row').first();
  await expect(first).toHaveAttribute('data-job', 'y3dr');
  await expect(first.getByTestId('job-name')).toHaveText('nap · y3dr');
  await expect(first.getByTestId('job-runtime')).toHaveAttribute('data-kind', 'last-try');
  // The nap's try ran from …09.214358576 to …15.215317900: 6.0 s.
  expect(durationMs(await first.getByTestId('job-runtime').textContent())).toBe(6000);
  const flaky = page.locator('[data-testid="job-row"][data-job="ZFmz"]');
  await expect(flaky.getByTestId('job-name')).toHaveText('flaky · ZFmz');
  await expect(flaky.getByTestId('job-tries')).toContainText('2/3');
  await snapLooks(page, testInfo, 'v2-jobs');

  // Every try's log: the flaky job failed its first try and passed the second.
  await requestPage.tab('logs');
  await requestPage.selectJob('ZFmz');
  await expect(requestPage.tryTab(1)).toBeVisible();
  await requestPage.tryTab(1).click();
  await requestPage.stream('stderr');
  await expect(requestPage.logLines.first()).toContainText('flaky: failing on try 1');
  await expect(requestPage.tryError).toContainText('flaky: simulated failure 1 of 1');
  await requestPage.tryTab(2).click();
  await requestPage.stream('stdout');
  await expect(requestPage.logLines.first()).toContainText('flaky: succeeded on try 2');
  await snapLooks(page, testInfo, 'v2-logs');

  // The suspended request: SUSPENDED, nothing to stop.
  await shell.goto(`#/r/${name}/${SUSPENDED}`);
  await requestPage.expectState('SUSPENDED');
  await expect(requestPage.stopButton).toHaveCount(0);
  await snapLooks(page, testInfo, 'v2-suspended');

  // The failed request names its failed job, its exit and why.
  await shell.goto(`#/r/${name}/${FAILED}`);
  await requestPage.expectState('FAIL');
  const failed = page.locator('[data-testid="failed-job"][data-job="jEo3"]');
  await expect(failed).toContainText('doomed · jEo3');
  await expect(failed.getByTestId('failed-job-exit')).toHaveText('exit 3');
  await expect(failed).toContainText('fatal: simulated failure, exiting 3');
  await snapLooks(page, testInfo, 'v2-failed');
});

test('the 2017 original cannot list its requests: the list says so and shows what this console knows', async ({
  shell,
  requestPage,
  page,
}, testInfo) => {
  const name = `orig-${testInfo.workerIndex}-${Date.now().toString(36)}`;
  await shell.open();
  await shell.addContext(name, original.url, 'staging');
  await shell.switchContext(name);
  await expect(shell.offlineBanner).toBeHidden({ timeout: 20_000 });
  await expect(page.getByTestId('requests-empty-why')).toHaveText(
    `${name}'s server (the 2017 original) cannot list its requests: these are the ones this console started, saw running or opened.`,
  );
  await expect(page.getByTestId('list-source')).toHaveText('known here');

  // Opened by id, it is known from then on.
  await page.getByTestId('open-request-id').fill(ORIGINAL_DEMO);
  await page.getByTestId('open-request-id').press('Enter');
  await requestPage.expectState('COMPLETE');
  await shell.goto('#/requests');
  await expect(page.getByTestId('request-count')).toHaveText('1 request');
  await expect(page.getByTestId('list-note')).toContainText('cannot list its requests');
  await snapLooks(page, testInfo, 'original-requests');
});

test('a v2 context with credentials: the header reaches the server, its value never the page; start and run again', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  const token = `Bearer e2e-${testInfo.workerIndex}-${Date.now().toString(36)}-0123456789`;
  const name = `v2auth-${testInfo.workerIndex}-${Date.now().toString(36)}`;
  await shell.open();
  await page.getByTestId('context-switcher').click();
  await page.getByTestId('manage-contexts').click();
  const dialog = page.getByTestId('contexts-dialog');
  await dialog.getByTestId('add-context').click();
  await dialog.getByTestId('context-form-name').fill(name);
  await dialog.getByTestId('context-form-url').fill(v2.url);
  await dialog.getByTestId('context-form-env').fill('production');
  await dialog.getByText('Credentials').click();
  await dialog.getByTestId('context-add-header').click();
  await dialog.getByTestId('context-header-name').fill('Authorization');
  await dialog.getByTestId('context-header-value').fill(token);
  await snapLooks(page, testInfo, 'v2-credentials-form');
  await dialog.getByTestId('context-form-save').click();
  const row = dialog.locator(`[data-testid="context-row"][data-name="${name}"]`);
  await expect(row.getByTestId('context-auth')).toHaveText('🔒 Authorization');
  await expect(row.getByTestId('context-server')).toHaveText('v2 · 2.1.1');
  // Edited again: the value is kept, not shown.
  await row.getByRole('button', { name: 'Edit' }).click();
  await expect(dialog.getByTestId('context-header-name')).toHaveValue('Authorization');
  await expect(dialog.getByTestId('context-header-value')).toHaveValue('');
  await expect(dialog.getByTestId('context-header-value')).toHaveAttribute('placeholder', '(stored: unchanged)');
  await snapLooks(page, testInfo, 'v2-credentials-kept');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.getByRole('button', { name: 'Done' }).click();
  expect(await page.content()).not.toContain(token);
  await shell.switchContext(name);
  await expect(page.getByTestId('list-source')).toHaveText('on the server');
  const sent = v2.received.filter((r) => r.headers.authorization === token);
  expect(sent.map((r) => r.path)).toEqual(expect.arrayContaining(['/version', '/api/v1/request-list']));

  // Start from the v2 request list: the defaults filled in, a default left as it is left to the server.
  await startPage.pickType('demo');
  await expect(startPage.arg('sleepSeconds')).toHaveValue('3');
  await expect(startPage.arg('failTimes')).toHaveValue('1');
  await startPage.arg('msg').fill('world');
  await startPage.arg('sleepSeconds').fill('6');
  await expect(startPage.cli).toHaveText(`spincycle --context ${name} start demo msg=world sleepSeconds=6`);
  await snapLooks(page, testInfo, 'v2-start');
  const posted = v2.received.length;
  await startPage.submit();
  const create = v2.received.slice(posted).find((r) => r.method === 'POST');
  expect(JSON.parse(create?.body ?? '{}')).toEqual({
    Type: 'demo',
    Args: { msg: 'world', sleepSeconds: '6' },
    User: expect.any(String),
  });
  expect(create?.headers.authorization).toBe(token);
  await expect(requestPage.header.getByTestId('request-type-title')).toHaveText('demo');

  // Run again: the form with the request's type and args.
  await page.getByTestId('rerun-request').click();
  await expect(page.getByTestId('rerun-note')).toBeVisible();
  await expect(startPage.arg('msg')).toHaveValue('world');
  await expect(startPage.arg('sleepSeconds')).toHaveValue('6');
  await snapLooks(page, testInfo, 'v2-run-again');
});
