// The requests list over a big history, in Chromium against its own web bridge: the real
// serve.ts with the embedded engine, on a data folder whose engine was seeded with 3,000
// finished requests (the list pages through them from the engine, which lists its requests),
// which the console's cache had seen before. Keyboard selection and opening, a long jump that
// shows the rows of where it lands, the state filter (on the server) and text search (among
// the requests cached here), and a new request arriving while the operator is scrolled down:
// the rows on screen and the selection stay where they were.
/// <reference lib="dom" /> — page.evaluate callbacks run in the browser

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { Cache } from '../src-main/console/cache/cache';
import { DATABASE_FILE } from '../src-main/engine/server';
import { SqliteStore } from '../src-main/engine/store/store';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  encodeCreateRequestParams,
  encodeJobChain,
  type Request,
} from '../src-main/shared/proto';
import { expect, test as consoleTest } from './fixtures';
import { AppShell } from './pages/app-shell';
import { StartPage } from './pages/start-page';
import { startBridgeProcess, type RunningBridge } from './support/web-bridge';

const COUNT = 3000;
const ROW = 36;
const TYPES = ['deploy', 'backup', 'restart'];
const NOW = Date.now();

/** Request i is the i-th newest: row i of the unfiltered list. */
function seeded(i: number): Request {
  const created = NOW - 3_600_000 - i * 60_000;
  return {
    id: `seed${String(i).padStart(5, '0')}${'0'.repeat(23)}`,
    type: TYPES[i % 3] as string,
    state: i % 10 === 7 ? STATE_FAIL : STATE_COMPLETE,
    user: i === 3 ? 'carol.long-name-for-the-user-column@example.com' : 'carol',
    createdAt: new Date(created).toISOString(),
    startedAt: new Date(created + 1000).toISOString(),
    finishedAt: new Date(created + 61_000).toISOString(),
    totalJobs: 4,
    finishedJobs: 4,
  };
}
const idOf = (i: number) => seeded(i).id;
/** The row whose request came from an export file. */
const IMPORTED = 5;
const stateLabel = (i: number) => (seeded(i).state === STATE_FAIL ? 'FAIL' : 'COMPLETE');

const test = consoleTest.extend<object, { bridge: RunningBridge }>({
  bridge: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
    async ({}, use) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'spincycle-e2e-list-'));
      // The embedded engine's history (serve.ts runs it in <data>/engine).
      mkdirSync(path.join(dir, 'engine'));
      const store = new SqliteStore(path.join(dir, 'engine', DATABASE_FILE));
      for (let i = 0; i < COUNT; i++) {
        const r = seeded(i);
        const ms = (t: string | null) => (t === null ? null : Date.parse(t));
        await store.insertRequest(
          { ...r, createdAt: Date.parse(r.createdAt), startedAt: ms(r.startedAt), finishedAt: ms(r.finishedAt) },
          encodeCreateRequestParams({ Type: r.type, Args: {}, User: r.user }),
          encodeJobChain({ requestId: r.id, jobs: {}, adjacencyList: {}, state: r.state }),
        );
      }
      await store.close();
      const cache = new Cache(path.join(dir, 'cache.db'));
      // The embedded context as the console creates it; it puts the engine's address in at start.
      cache.contexts.put({
        name: 'local',
        url: 'http://127.0.0.1:1',
        envLabel: 'embedded',
        envColor: null,
        embedded: true,
      });
      cache.transaction(() => {
        for (let i = 0; i < COUNT; i++)
          cache.requests.put('local', seeded(i), i === IMPORTED ? { origin: 'imported' } : {});
      });
      cache.close();
      const saved = { dir: process.env.SPINCYCLE_DATA_DIR, token: process.env.SPINCYCLE_WEB_TOKEN };
      process.env.SPINCYCLE_DATA_DIR = dir;
      delete process.env.SPINCYCLE_WEB_TOKEN;
      try {
        const bridge = await startBridgeProcess();
        await use(bridge);
        await bridge.stop();
      } finally {
        if (saved.dir === undefined) delete process.env.SPINCYCLE_DATA_DIR;
        else process.env.SPINCYCLE_DATA_DIR = saved.dir;
        if (saved.token !== undefined) process.env.SPINCYCLE_WEB_TOKEN = saved.token;
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { scope: 'worker' },
  ],
});

test.describe.configure({ mode: 'serial', timeout: 60_000 });

const list = (page: Page) => page.getByTestId('request-list');
const row = (page: Page, i: number) => page.locator(`[data-testid="request-row"][data-id="${idOf(i)}"]`);

/** Rows inside the list's viewport: how many, and how many still wait for their data. */
function onScreen(page: Page) {
  return page.evaluate(() => {
    const box = document.querySelector('[data-testid="request-list"]')!.getBoundingClientRect();
    let rows = 0;
    let waiting = 0;
    for (const r of document.querySelectorAll<HTMLElement>('[data-testid="request-row"]')) {
      const b = r.getBoundingClientRect();
      if (b.height === 0 || b.bottom <= box.top || b.top >= box.bottom) continue;
      rows++;
      if (r.getAttribute('aria-busy') === 'true') waiting++;
    }
    return { rows, waiting };
  });
}

async function scrollToRow(page: Page, i: number): Promise<void> {
  await list(page).evaluate((el, top) => (el.scrollTop = top), i * ROW);
}

test('j and k move the selection, Enter opens the selected request', async ({ shell, page }) => {
  await shell.open('#/requests');
  await expect(page.getByTestId('request-count')).toHaveText(`${COUNT.toLocaleString('en-US')} requests`);
  await expect(row(page, 0)).toBeVisible();
  await page.keyboard.press('j');
  await expect(row(page, 0)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await expect(row(page, 1)).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, 0)).toHaveAttribute('aria-selected', 'false');
  // Moving past the bottom edge scrolls the selection into view.
  for (let k = 0; k < 30; k++) await page.keyboard.press('j');
  await expect(row(page, 31)).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, 31)).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/r/local/${idOf(31)}/chain$`));
  // One click opens a row too (a COMPLETE request opens on its chain).
  await page.goBack();
  await row(page, 2).locator('.c-type').click();
  await expect(page).toHaveURL(new RegExp(`#/r/local/${idOf(2)}/chain$`));
});

test('a long jump shows the rows where it lands, with their data', async ({ shell, page }) => {
  await shell.open('#/requests');
  await expect(row(page, 0)).toBeVisible();
  await scrollToRow(page, 2345);
  await expect(row(page, 2345)).toBeInViewport();
  await expect(row(page, 2345).getByTestId('request-type')).toHaveText(seeded(2345).type);
  await expect(row(page, 2345).getByTestId('request-link')).toHaveText(idOf(2345).slice(0, 12));
  await expect.poll(() => onScreen(page)).toEqual({ rows: expect.any(Number), waiting: 0 });
  expect((await onScreen(page)).rows).toBeGreaterThan(5);
  // And back up by a page and a half: those rows come too.
  await scrollToRow(page, 2045);
  await expect(row(page, 2045).getByTestId('state-badge')).toHaveAttribute('data-state', stateLabel(2045));
});

test('a cell clips with an ellipsis only when its text is too long', async ({ shell, page }, testInfo) => {
  await shell.open('#/requests');
  await expect(row(page, 3)).toBeVisible();
  // Ctrl/Cmd-click selects a row without opening it.
  await row(page, 1).click({ modifiers: ['ControlOrMeta'] });
  await expect(row(page, 1)).toHaveAttribute('aria-selected', 'true');
  await row(page, 2).locator('input').check();
  const shot = testInfo.outputPath('requests-list.png');
  await page.screenshot({ path: shot });
  await testInfo.attach('requests-list', { path: shot, contentType: 'image/png' });
  const cell = (i: number) =>
    row(page, i)
      .locator('.c-user')
      .evaluate((el) => ({
        overflow: getComputedStyle(el).overflowX,
        ellipsis: getComputedStyle(el).textOverflow,
        cut: el.scrollWidth > el.clientWidth,
        right: el.getBoundingClientRect().right,
        next: el.nextElementSibling!.getBoundingClientRect().left,
      }));
  const long = await cell(3);
  expect(long).toMatchObject({ overflow: 'hidden', ellipsis: 'ellipsis', cut: true });
  expect(long.right).toBeLessThanOrEqual(long.next);
  expect(await cell(2)).toMatchObject({ overflow: 'visible', cut: false });
});

test('the imported tag sits in its cell, clear of the id and the type', async ({ shell, page }) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await shell.open('#/requests');
  const tag = row(page, IMPORTED).locator('.c-id .tag');
  await expect(tag).toHaveText('imported');
  const box = async (selector: string) => (await row(page, IMPORTED).locator(selector).boundingBox())!;
  const [link, chip, cell, type] = await Promise.all([
    box('[data-testid="request-link"]'),
    box('.c-id .tag'),
    box('.c-id'),
    box('[data-testid="request-type"]'),
  ]);
  expect(link.x + link.width).toBeLessThanOrEqual(chip.x);
  expect(chip.x + chip.width).toBeLessThanOrEqual(cell.x + cell.width);
  expect(chip.x + chip.width).toBeLessThan(type.x);
});

test('the state filter and the search narrow the list', async ({ shell, page }) => {
  await shell.open('#/requests');
  await expect(row(page, 0)).toBeVisible();
  await page.getByTestId('state-filter-FAIL').click();
  await expect(page.getByTestId('request-count')).toHaveText(`${COUNT / 10} requests`);
  await expect(row(page, 7)).toBeVisible();
  await expect(row(page, 0)).toHaveCount(0);
  const states = await page
    .getByTestId('request-row')
    .evaluateAll((rows) =>
      rows
        .filter((r) => r.getAttribute('aria-busy') !== 'true' && r.getBoundingClientRect().height > 0)
        .map((r) => r.querySelector('[data-testid="state-badge"]')?.getAttribute('data-state')),
    );
  expect(states.length).toBeGreaterThan(5);
  expect(new Set(states)).toEqual(new Set(['FAIL']));
  await page.getByTestId('state-filter-FAIL').click();
  await expect(page.getByTestId('request-count')).toHaveText(`${COUNT.toLocaleString('en-US')} requests`);

  await expect(page.getByTestId('list-source')).toHaveText('on the server');
  // Text is looked for among the requests cached here, and the list says so.
  await page.getByTestId('request-search').fill('seed0123');
  await expect(page.getByTestId('request-count')).toHaveText('10 requests');
  await expect(page.getByTestId('list-source')).toHaveText('known here');
  await expect(page.getByTestId('list-note')).toContainText('the server cannot search by text');
  await expect(row(page, 1234)).toBeVisible();
  await expect(row(page, 1240)).toHaveCount(0);
});

test('a new request arriving keeps the rows on screen and the selection in place', async ({
  shell,
  page,
  browser,
  bridge,
}) => {
  await shell.open('#/requests');
  await expect(row(page, 0)).toBeVisible();
  await scrollToRow(page, 600);
  await expect(row(page, 605)).toBeInViewport();
  await row(page, 605).click({ modifiers: ['ControlOrMeta'] });
  await expect(row(page, 605)).toHaveAttribute('aria-selected', 'true');
  const before = await row(page, 605).boundingBox();

  // Another window starts a request: the console creates it, and the list hears of it.
  const other = await browser.newPage();
  const otherShell = new AppShell(other, bridge);
  await otherShell.open('#/start');
  const start = new StartPage(other);
  await start.pickType('hello');
  await start.submit();
  await other.close();

  await expect(page.getByTestId('request-count')).toHaveText(`${(COUNT + 1).toLocaleString('en-US')} requests`);
  await expect(row(page, 605)).toHaveAttribute('aria-selected', 'true');
  await expect.poll(async () => (await row(page, 605).boundingBox())?.y).toBe(before?.y);
  // The keyboard goes on from the selected row.
  await page.keyboard.press('j');
  await expect(row(page, 606)).toHaveAttribute('aria-selected', 'true');
});
