// Test fixtures for the web-served console: the bridge started by global setup, a clear
// failure when no Chromium exists, the page objects, and for every test the check that its
// pages had no page error and no console error (`problems.allow()` for one a test provokes).

import { test as base, expect } from '@playwright/test';
import { findChromium, NO_CHROMIUM_MESSAGE } from './support/chromium';
import { PageProblems } from './support/page-problems';
import { readBridge, startBridgeProcess, type BridgeInfo, type BridgeOptions } from './support/web-bridge';
import { ConsolePage } from './pages/console-page';
import { AppShell } from './pages/app-shell';
import { LogSearchPage } from './pages/log-search-page';
import { RequestPage } from './pages/request-page';
import { StartPage } from './pages/start-page';

interface PageObjects {
  problems: PageProblems;
  consolePage: ConsolePage;
  shell: AppShell;
  startPage: StartPage;
  requestPage: RequestPage;
  logSearch: LogSearchPage;
}

export const test = base.extend<PageObjects, { bridge: BridgeInfo; requireChromium: void }>({
  requireChromium: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
    async ({}, use) => {
      if (!findChromium()) throw new Error(NO_CHROMIUM_MESSAGE);
      await use();
    },
    { scope: 'worker', auto: true },
  ],
  bridge: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
    async ({}, use) => {
      await use(readBridge());
    },
    { scope: 'worker' },
  ],
  problems: [
    async ({ context }, use) => {
      const problems = new PageProblems();
      problems.watch(context);
      await use(problems);
      expect(problems.unexpected(), 'page errors and console errors').toEqual([]);
    },
    { auto: true },
  ],
  consolePage: async ({ page, bridge }, use) => {
    await use(new ConsolePage(page, bridge));
  },
  shell: async ({ page, bridge }, use) => {
    await use(new AppShell(page, bridge));
  },
  startPage: async ({ page }, use) => {
    await use(new StartPage(page));
  },
  requestPage: async ({ page }, use) => {
    await use(new RequestPage(page));
  },
  logSearch: async ({ page }, use) => {
    await use(new LogSearchPage(page));
  },
});

export { expect };

/**
 * The same fixtures on a web bridge of the test file's own, started once per worker: for tests
 * that must not share the global one (a broken engine, events that reach every page).
 */
export function withOwnBridge(options: () => BridgeOptions & { cleanUp?: () => void }) {
  return test.extend<object, { bridge: BridgeInfo }>({
    bridge: [
      // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
      async ({}, use) => {
        const { cleanUp, ...bridgeOptions } = options();
        const bridge = await startBridgeProcess(bridgeOptions);
        try {
          await use(bridge);
        } finally {
          await bridge.stop();
          cleanUp?.();
        }
      },
      { scope: 'worker' },
    ],
  });
}
