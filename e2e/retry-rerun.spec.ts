// Retry failed and re-run from the console, in Chromium through the web bridge: a needs-file
// request fails because its file is missing; the file is made and the request retried from its
// header (the confirmation lists the jobs that did not complete); it reads COMPLETE with its
// check on try 2 and its first job run once. Re-run from the palette opens a new request linked
// both ways. On an RM that looks like the 2017 original (a second engine behind a proxy that
// answers as the original does), retry is not offered and re-run still works: with the args the
// console cached, or, for a request it did not create, from the Start form filled from the chain.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { expect, test } from './fixtures';
import type { AppShell } from './pages/app-shell';
import type { RequestPage } from './pages/request-page';
import type { StartPage } from './pages/start-page';
import { startEngine } from './support/engine';
import { snapLooks } from './support/flows';
import { rmWithoutExtensions } from '../test/support/rm-without-extensions';

test.describe.configure({ timeout: 120_000 });

/** A file path needs-file's check waits for, not made yet. */
interface Gate {
  file: string;
  fix(): void;
  remove(): void;
}

function gate(): Gate {
  const dir = mkdtempSync(path.join(tmpdir(), 'spincycle-e2e-gate-'));
  const file = path.join(dir, 'ready');
  return { file, fix: () => writeFileSync(file, ''), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `flow` in a context of its own whose RM has none of our additions: a second engine behind
 * a proxy answering them as the original answers a path it does not have. Cleans up after.
 */
async function withLegacyContext(
  shell: AppShell,
  testInfo: TestInfo,
  flow: (engineUrl: string, name: string, gate: Gate) => Promise<void>,
): Promise<void> {
  const engine = await startEngine();
  const proxy = await rmWithoutExtensions(engine.url);
  const g = gate();
  try {
    const name = `old-${testInfo.workerIndex}-${Date.now().toString(36)}`;
    await shell.open();
    await shell.addContext(name, proxy.url, 'legacy');
    await shell.switchContext(name);
    await expect(shell.offlineBanner).toBeHidden({ timeout: 20_000 });
    await flow(engine.url, name, g);
  } finally {
    g.remove();
    await proxy.close();
    engine.child.kill('SIGKILL');
  }
}

/** Starts needs-file from the form with `file` and waits until it has FAILed. */
async function failedNeedsFile(shell: AppShell, startPage: StartPage, requestPage: RequestPage, file: string) {
  await shell.open();
  await startPage.pickType('needs-file');
  await startPage.arg('path').fill(file);
  const id = await startPage.submit();
  await requestPage.expectState('FAIL');
  return id;
}

interface Flow {
  shell: AppShell;
  startPage: StartPage;
  requestPage: RequestPage;
  page: Page;
  testInfo: TestInfo;
  /** The needs-file request that FAILed (in context local), and the file it waits for. */
  id: string;
  g: Gate;
}

/** A test that begins on a needs-file request that FAILed because its file is missing. */
function testFailed(title: string, flow: (f: Flow) => Promise<void>): void {
  test(title, async ({ shell, startPage, requestPage, page }, testInfo) => {
    const g = gate();
    try {
      const id = await failedNeedsFile(shell, startPage, requestPage, g.file);
      await flow({ shell, startPage, requestPage, page, testInfo, id, g });
    } finally {
      g.remove();
    }
  });
}

testFailed(
  'retry a failed request from the console: only what failed runs again, try 2',
  async ({ shell, requestPage, page, testInfo, id, g }) => {
    await expect(page.getByTestId('request-failure')).toContainText('is missing (try 1)');

    await page.getByTestId('retry-request').click();
    const dialog = page.getByTestId('retry-dialog');
    const listed = dialog.getByTestId('retry-jobs').locator('li[data-job]');
    await expect(listed).toHaveCount(3);
    const jobs = await listed.evaluateAll((items) => items.map((li) => li.getAttribute('data-job') ?? ''));
    expect(jobs.map((j) => j.replace(/@\d+$/, ''))).toEqual(['check', 'release', 'sequence_needs-file_end']);
    await expect(dialog.locator('li[data-job^="check@"]')).toContainText('try 1 · exit 1');
    await expect(dialog.locator('li[data-job^="release@"]')).toContainText('never ran');
    await expect(dialog).toContainText('The 2 jobs that completed do not run again');
    await expect(dialog.getByTestId('confirm-retry')).toHaveText('Retry 3 jobs');
    await snapLooks(page, testInfo, 'retry-dialog');

    g.fix();
    await dialog.getByTestId('confirm-retry').click();
    await expect(dialog.getByTestId('retry-outcome')).toBeVisible();
    await expect(shell.toasts).toContainText(`Retrying needs-file ${id.slice(0, 8)}: 3 jobs`);
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    await requestPage.expectState('COMPLETE');
    await expect(page.getByTestId('request-failure')).toHaveCount(0);

    // The history: each attempt, who, outcome.
    const attempts = page.getByTestId('attempt');
    await expect(attempts).toHaveCount(2);
    await expect(attempts.nth(0)).toContainText('#1');
    await expect(attempts.nth(0).getByTestId('state-badge')).toHaveAttribute('data-state', 'FAIL');
    await expect(attempts.nth(1)).toContainText('retry · 3 jobs');
    await expect(attempts.nth(1).getByTestId('state-badge')).toHaveAttribute('data-state', 'COMPLETE');

    // The check ran twice (its try 2 in the retry); prepare once.
    await requestPage.tab('jobs');
    const check = page.locator('[data-testid="job-row"][data-job^="check@"]');
    await expect(check.getByTestId('job-tries')).toHaveText('2 ↺ 1/1');
    await expect(check.getByTestId('state-badge')).toHaveAttribute('data-state', 'COMPLETE');
    await expect(page.locator('[data-testid="job-row"][data-job^="prepare@"]').getByTestId('job-tries')).toHaveText(
      '1/1',
    );
    await snapLooks(page, testInfo, 'retried-jobs');

    await requestPage.tab('logs');
    await requestPage.selectJobStartingWith('check');
    await expect(requestPage.tryTab(1)).toBeVisible();
    await requestPage.tryTab(2).click();
    await requestPage.stream('stdout');
    await expect(requestPage.logLines.first()).toContainText('(try 2)');
    await requestPage.tryTab(1).click();
    await requestPage.stream('stderr');
    await expect(requestPage.logLines.first()).toContainText('is missing (try 1)');
  },
);

testFailed(
  're-run from the palette: a new request with the same args, linked both ways',
  async ({ shell, requestPage, page, testInfo, id: first, g }) => {
    g.fix();
    const palette = await shell.openPalette();
    await page.getByTestId('palette-input').fill('re-run');
    await expect(palette.getByTestId('palette-item').first()).toHaveText(/Re-run needs-file/);
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('rerun-dialog');
    await expect(dialog.getByTestId('rerun-args')).toHaveText(`path=${g.file}`);
    await snapLooks(page, testInfo, 'rerun-dialog');
    await dialog.getByTestId('confirm-rerun').click();

    await expect(page.getByTestId('request-id')).not.toHaveText(first);
    const second = (await page.getByTestId('request-id').textContent()) ?? '';
    await requestPage.expectState('COMPLETE');
    await expect(page.getByTestId('request-args')).toContainText(g.file);
    await expect(page.getByTestId('rerun-of')).toHaveText(first.slice(0, 12));
    await snapLooks(page, testInfo, 'rerun-linked');

    await page.getByTestId('rerun-of').click();
    await expect(page.getByTestId('request-id')).toHaveText(first);
    await expect(page.getByTestId('reruns').locator(`[data-rerun="${second}"]`)).toBeVisible();
    await requestPage.expectState('FAIL');
  },
);

test('on the 2017 original: retry is not offered; re-run uses the args the console cached', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await withLegacyContext(shell, testInfo, async (_url, name, g) => {
    const id = await failedNeedsFile(shell, startPage, requestPage, g.file);
    await expect(page.getByTestId('rerun-request')).toBeVisible();
    await expect(page.getByTestId('retry-request')).toHaveCount(0);
    const palette = await shell.openPalette();
    await page.getByTestId('palette-input').fill('re');
    await expect(palette.getByTestId('palette-item').filter({ hasText: 'Re-run needs-file' })).toHaveCount(1);
    await expect(palette.getByTestId('palette-item').filter({ hasText: 'Retry failed' })).toHaveCount(0);
    await page.keyboard.press('Escape');
    await snapLooks(page, testInfo, 'original-no-retry');

    await page.getByTestId('rerun-request').click();
    const dialog = page.getByTestId('rerun-dialog');
    await expect(dialog.getByTestId('rerun-args')).toHaveText(`path=${g.file}`);
    g.fix();
    await dialog.getByTestId('confirm-rerun').click();
    await expect(page.getByTestId('request-id')).not.toHaveText(id);
    await requestPage.expectState('COMPLETE');
    await expect(page.getByTestId('request-args')).toHaveText(`path=${g.file}`);
    await expect(page.getByTestId('rerun-of')).toHaveText(id.slice(0, 12));
    await expect(page.getByTestId('request-attempts')).toHaveCount(0); // the original keeps no history
  });
});

test('re-run of a request the console did not create, on an RM that does not record args: the Start form to check', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await withLegacyContext(shell, testInfo, async (engineUrl, name, g) => {
    // Another client created it: the console never saw its args, and the RM does not keep them.
    const res = await fetch(`${engineUrl}/api/v1/requests`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'needs-file', args: { path: g.file } }),
    });
    const { id } = (await res.json()) as { id: string };
    await shell.goto(`#/r/${name}/${id}`);
    await requestPage.expectState('FAIL');
    await expect(page.getByTestId('request-args')).toContainText('not known (created elsewhere');
    await expect(page.getByTestId('request-cli')).toHaveText(
      `spincycle --context ${name} start needs-file  # args not known: created elsewhere, and its server does not tell them`,
    );

    await page.getByTestId('rerun-request').click();
    const dialog = page.getByTestId('rerun-dialog');
    await expect(dialog.getByTestId('rerun-args-unknown')).toContainText('Its args are not known');
    await dialog.getByTestId('rerun-form').click();
    await expect(startPage.form).toBeVisible();
    await expect(page.getByTestId('rerun-note')).toContainText(`Re-run of ${id.slice(0, 12)}`);
    await expect(startPage.arg('path')).toHaveValue(g.file);
    await expect(startPage.cli).toHaveText(`spincycle --context ${name} start needs-file path=${g.file}`);
    await snapLooks(page, testInfo, 'rerun-form');

    g.fix();
    const rerun = await startPage.submit();
    expect(rerun).not.toBe(id);
    await requestPage.expectState('COMPLETE');
    await expect(page.getByTestId('rerun-of')).toHaveText(id.slice(0, 12));
  });
});
