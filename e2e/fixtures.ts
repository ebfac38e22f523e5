// Test fixtures for the web-served console: the bridge started by global setup, a clear
// failure when no Chromium exists, and the console page object.

import { test as base } from '@playwright/test';
import { findChromium, NO_CHROMIUM_MESSAGE } from './support/chromium';
import { readBridge, type BridgeInfo } from './support/web-bridge';
import { ConsolePage } from './pages/console-page';

export const test = base.extend<{ consolePage: ConsolePage }, { bridge: BridgeInfo; requireChromium: void }>({
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
});

export { expect } from '@playwright/test';
