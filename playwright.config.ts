// Playwright: the console in Chromium against the web bridge (project "chromium"), and the
// desktop app through _electron (project "electron", skipped where Electron cannot run).
// Run with `npm run test:e2e` (builds the renderer first).

import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './e2e/support/chromium';

const chromium = findChromium();

export default defineConfig({
  testDir: './e2e',
  outputDir: './e2e-artifacts/results',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [
    ['list'],
    ['./e2e/support/skip-reporter.ts'],
    ['html', { outputFolder: './e2e-artifacts/report', open: 'never' }],
  ],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: /electron\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        // When none is found, the auto fixture in e2e/fixtures.ts fails with how to get one.
        launchOptions: { executablePath: chromium?.path, args: [...CHROMIUM_ARGS] },
      },
    },
    {
      name: 'electron',
      testMatch: /electron\.spec\.ts$/,
    },
  ],
});
