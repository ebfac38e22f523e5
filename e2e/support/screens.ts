// Screenshots of a view, saved as test artifacts and attached to the report: at 1024×700 in the
// light theme, and with SPINCYCLE_E2E_SCREENS=all also at 1920×1080 and in the dark theme (the
// system colour scheme, which the console follows by default): the sizes and themes every flow
// is looked at before it is called done. Only one by default: each costs a second or more.

import type { Page, TestInfo } from '@playwright/test';

const SIZES = [
  { width: 1024, height: 700 },
  { width: 1920, height: 1080 },
] as const;
const ALL = process.env.SPINCYCLE_E2E_SCREENS === 'all';

/** Takes `name` (at every size and theme with SPINCYCLE_E2E_SCREENS=all), then puts the page back. */
export async function snapScreens(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const colorScheme of ALL ? (['light', 'dark'] as const) : (['light'] as const)) {
    await page.emulateMedia({ colorScheme });
    for (const size of ALL ? SIZES : SIZES.slice(0, 1)) {
      await page.setViewportSize(size);
      await settle(page);
      const path = testInfo.outputPath(`${name}-${size.width}-${colorScheme}.png`);
      await page.screenshot({ path });
      await testInfo.attach(`${name} ${size.width} ${colorScheme}`, { path, contentType: 'image/png' });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  if (before) await page.setViewportSize(before);
  await settle(page);
}

/** Two frames: resize observers run, canvases repaint. */
function settle(page: Page): Promise<unknown> {
  return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}
