// The chain is readable, in Chromium against the real embedded engine: a rolling restart of six
// hosts fits with legible labels and without the grapher's start/end noops (a toggle shows them),
// a job's each: value (its host) is on its node's tooltip and in the Jobs tab, a fan-out too big
// to show whole keeps a legible zoom and scrolls, and a failed job's tooltip says its state, try
// and exit.

import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { RequestPage } from './pages/request-page';
import type { StartPage } from './pages/start-page';
import type { AppShell } from './pages/app-shell';
import { snapScreens } from './support/screens';

test.describe.configure({ timeout: 90_000 });

/** Fit's smallest zoom (ChainCanvas.svelte: 12 px labels stay at least 9.6 px). */
const LEGIBLE = 0.8;

const canvas = (page: Page) => page.getByTestId('chain-canvas');
const zoom = async (page: Page) => Number(await canvas(page).getAttribute('data-zoom'));

async function startRollingRestart(shell: AppShell, startPage: StartPage, hosts: number): Promise<string> {
  await shell.open();
  await startPage.pickType('rolling-restart');
  await startPage.arg('hosts').fill(JSON.stringify(Array.from({ length: hosts }, (_, i) => `web${i + 1}`)));
  await startPage.arg('pause').fill('0.05');
  return startPage.submit();
}

/** A job's row in the Jobs tab. Only the rows in view exist (VirtualRows), and the table is sorted
 *  by runtime, which varies from run to run: scroll from the top, a view at a time, to the row. */
async function jobRow(page: Page, job: string) {
  const list = page.getByTestId('job-list');
  const row = page.locator(`[data-testid="job-row"][data-job="${job}"]`);
  await list.evaluate((el) => el.scrollTo(0, 0));
  for (let step = 0; step < 20; step++) {
    if ((await row.count()) > 0) return row;
    const moved = await list.evaluate((el) => {
      const before = el.scrollTop;
      el.scrollTo(0, before + el.clientHeight / 2);
      return el.scrollTop !== before;
    });
    if (!moved) break;
  }
  await expect(row).toHaveCount(1);
  return row;
}

/** Finds a job with the toolbar (which centres it), then hovers it: the tooltip's lines. */
async function hoverJob(page: Page, job: string): Promise<string[]> {
  await page.getByTestId('chain-find').fill(job);
  await page.getByTestId('chain-find').press('Enter');
  await expect(page.getByTestId('job-panel-id')).toHaveText(job);
  const box = (await canvas(page).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2 - 20, box.y + box.height / 2);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const tip = page.getByTestId('chain-tooltip');
  await expect(tip).toBeVisible();
  return tip.locator('div').allTextContents();
}

test('a rolling restart of six hosts reads at a glance: labelled nodes, each host named, noops on demand', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await startRollingRestart(shell, startPage, 6);
  await requestPage.expectState('COMPLETE');
  // announce, 6 × (drain, restart, check), report: the 18 sequence_/repeat_ noops are left out
  await expect(canvas(page)).toHaveAttribute('data-nodes', '20');
  await expect(page.getByTestId('chain-count')).toHaveText('38 jobs · 20 shown');
  expect(await zoom(page)).toBeGreaterThanOrEqual(LEGIBLE);
  await snapScreens(page, testInfo, 'chain-rolling-restart');

  await page.getByTestId('chain-show-structure').click();
  await expect(canvas(page)).toHaveAttribute('data-nodes', '38');
  await expect(page.getByTestId('chain-show-structure')).toHaveText('Hide start/end noops');
  await page.getByTestId('chain-show-structure').click();
  await expect(canvas(page)).toHaveAttribute('data-nodes', '20');

  expect(await hoverJob(page, 'restart@14')).toEqual([
    'restart@14 · web2',
    'COMPLETE · try 1 of 3',
    expect.stringMatching(/^runtime \d+(\.\d)?(ms|s) · exit 0$/),
    'type shell',
  ]);
  await snapScreens(page, testInfo, 'chain-tooltip');

  await requestPage.tab('jobs');
  await expect((await jobRow(page, 'restart@14')).getByTestId('job-each')).toHaveText('web2');
  await expect((await jobRow(page, 'check@35')).getByTestId('job-each')).toHaveText('web6');
  await expect((await jobRow(page, 'report@38')).getByTestId('job-each')).toHaveCount(0);
  await snapScreens(page, testInfo, 'jobs-each');
  await requestPage.tab('timeline');
  await snapScreens(page, testInfo, 'timeline-each');
});

test('a fan-out too big to show whole keeps legible labels: it fits the width and scrolls', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await startRollingRestart(shell, startPage, 14);
  await requestPage.expectState('COMPLETE');
  // folded: announce, drain ×14, restart ×14, check ×14, report
  await expect(canvas(page)).toHaveAttribute('data-nodes', '5');
  await page.getByTestId('chain-expand-all').click();
  await expect(canvas(page)).toHaveAttribute('data-nodes', String(2 + 14 * 3));
  expect(await zoom(page)).toBeGreaterThanOrEqual(LEGIBLE);
  await snapScreens(page, testInfo, 'chain-unfolded-14');

  // Scrolling moves the view and leaves the zoom; Ctrl + scroll zooms; Fit comes back legible.
  const fitted = await zoom(page);
  const box = (await canvas(page).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, 600);
  await expect.poll(() => zoom(page)).toBe(fitted);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, 800);
  await page.keyboard.up('Control');
  await expect.poll(() => zoom(page)).toBeLessThan(LEGIBLE);
  await page.getByTestId('chain-fit').click();
  await expect.poll(() => zoom(page)).toBe(fitted);
});

async function failedTooltip(
  shell: AppShell,
  startPage: StartPage,
  requestPage: RequestPage,
  page: Page,
  type: string,
  job: string,
): Promise<string[]> {
  await page.setViewportSize({ width: 1024, height: 700 });
  await shell.open();
  await startPage.pickType(type);
  await startPage.submit();
  await requestPage.expectState('FAIL');
  return hoverJob(page, job);
}

test('a failed job’s tooltip says FAIL, its last try and its exit', async ({
  shell,
  startPage,
  requestPage,
  page,
}, testInfo) => {
  expect(await failedTooltip(shell, startPage, requestPage, page, 'fail', 'check-disk@3')).toEqual([
    'check-disk@3',
    'FAIL · try 2 of 2',
    expect.stringMatching(/^runtime .+ · exit 3$/),
    'type shell',
  ]);
  await snapScreens(page, testInfo, 'chain-fail');
});

test('a timed-out job’s tooltip says TIMEOUT', async ({ shell, startPage, requestPage, page }, testInfo) => {
  const lines = await failedTooltip(shell, startPage, requestPage, page, 'timeout', 'wait-for-lock@3');
  expect(lines.slice(0, 2)).toEqual(['wait-for-lock@3', 'TIMEOUT · try 1 of 1']);
  await snapScreens(page, testInfo, 'chain-timeout');
});
