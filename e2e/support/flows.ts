// Steps many flows share: starting a request from the form, and screenshots of what a flow
// shows (attached to the test's results), one size or the four a change to the UI is looked at in.

import type { Page, TestInfo } from '@playwright/test';
import type { AppShell } from '../pages/app-shell';
import type { StartPage } from '../pages/start-page';

export async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** The sizes and schemes every flow is looked at in: 1024×700 and 1920×1080, light and dark. */
export const LOOKS = [
  { width: 1024, height: 700, scheme: 'light' },
  { width: 1024, height: 700, scheme: 'dark' },
  { width: 1920, height: 1080, scheme: 'light' },
  { width: 1920, height: 1080, scheme: 'dark' },
] as const;

/** Screenshots of what is on screen in each of LOOKS; the page is left at the last size, in light. */
export async function snapLooks(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  for (const look of LOOKS) {
    await page.setViewportSize({ width: look.width, height: look.height });
    await page.emulateMedia({ colorScheme: look.scheme });
    // Two frames: layout and canvases follow the new size and palette.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await snap(page, testInfo, `${name}-${look.width}-${look.scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Opens the console and starts a request of `type` from the form, with its default args; its id. */
export async function startFromForm(shell: AppShell, startPage: StartPage, type: string): Promise<string> {
  await shell.open();
  await startPage.pickType(type);
  return startPage.submit();
}
