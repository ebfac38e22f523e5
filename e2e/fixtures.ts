// Test fixtures for the web-served console: the bridge started by global setup, a clear
// failure when no Chromium exists, and the console page object.

import { test as base } from '@playwright/test';
import { findChromium, NO_CHROMIUM_MESSAGE } from './support/chromium';
import { readBridge, startBridgeProcess, type BridgeInfo, type BridgeOptions } from './support/web-bridge';
import { ConsolePage } from './pages/console-page';
import { AppShell } from './pages/app-shell';
import { LogSearchPage } from './pages/log-search-page';
import { RequestPage } from './pages/request-page';
import { StartPage } from './pages/start-page';

interface PageObjects {
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

export { expect } from '@playwright/test';

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
