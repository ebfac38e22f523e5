// Finds the Chromium the web e2e tests drive. Order: SPINCYCLE_CHROMIUM or
// PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH, then Playwright's own download if present, then
// Debian's /usr/bin/chromium. Playwright cannot download browsers on our build machines.

import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';

export interface ChromiumChoice {
  readonly path: string;
  readonly source: string;
}

/** Flags that let Debian's chromium run headless as root in a container, quietly. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const NO_CHROMIUM_MESSAGE =
  'No Chromium found for the e2e tests: run `apt-get install -y chromium` (Debian), ' +
  'or set SPINCYCLE_CHROMIUM to a Chromium/Chrome executable.';

export function findChromium(): ChromiumChoice | null {
  for (const name of ['SPINCYCLE_CHROMIUM', 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH'] as const) {
    const path = process.env[name];
    if (path) {
      if (!existsSync(path)) throw new Error(`${name}=${path} does not exist`);
      return { path, source: name };
    }
  }
  let bundled = '';
  try {
    bundled = chromium.executablePath();
  } catch {
    // No registry entry for this platform.
  }
  if (bundled && existsSync(bundled)) return { path: bundled, source: 'playwright' };
  if (existsSync('/usr/bin/chromium')) return { path: '/usr/bin/chromium', source: 'debian' };
  return null;
}
