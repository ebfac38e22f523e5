// Main's `navigate` event opens the request it names. In the desktop app it comes from the tray
// menu, a notification click or a spincycle:// link; here the web bridge's test trigger
// (src-main/web/test-trigger.ts) emits the same event into the same contract, and Chromium shows
// what the renderer does with it. Its own bridge: the event reaches every page connected.

import type { Page, TestInfo } from '@playwright/test';
import { expect, withOwnBridge } from './fixtures';
import type { BridgeInfo } from './support/web-bridge';

const test = withOwnBridge(() => ({ testHooks: true }));
test.describe.configure({ mode: 'serial', timeout: 90_000 });

/** Emits `navigate` in console main, as the tray, a notification or a link would. */
async function navigate(bridge: BridgeInfo, context: string, requestId: string): Promise<void> {
  const res = await fetch(`${bridge.origin}/__e2e/navigate?token=${encodeURIComponent(bridge.token)}`, {
    method: 'POST',
    body: JSON.stringify({ context, requestId }),
  });
  expect(res.status, await res.text()).toBe(200);
}

async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

test('a navigate event opens the request it names', async ({
  shell,
  startPage,
  requestPage,
  bridge,
  page,
}, testInfo) => {
  await shell.open();
  await startPage.pickType('hello');
  await startPage.arg('msg').fill('opened by navigate');
  const id = await startPage.submit();
  await requestPage.expectState('COMPLETE');

  // Somewhere else entirely: the log search.
  await shell.goto('#/search');
  await expect(page.getByTestId('request-page')).toBeHidden();

  await navigate(bridge, 'local', id);
  await expect(page.getByTestId('request-id')).toHaveText(id);
  await expect(page.getByTestId('request-type-title')).toHaveText('hello');
  await expect(page.getByTestId('request-args')).toContainText('opened by navigate');
  await requestPage.expectState('COMPLETE');
  await expect(page.getByTestId('chain-tab')).toBeVisible();
  expect(new URL(page.url()).hash).toBe(`#/r/local/${id}/chain`);
  await snap(page, testInfo, 'navigate-opened');

  // The same request again: the operator's tab stays as it is.
  await requestPage.tab('logs');
  await navigate(bridge, 'local', id);
  await page.waitForTimeout(300);
  expect(new URL(page.url()).hash).toBe(`#/r/local/${id}/logs`);

  // Back works: the view before the navigate is one step back.
  await page.goBack();
  await expect(page.getByTestId('chain-tab')).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(/#\/search$/);
});

test('a navigate event for a request the context does not know says so', async ({ shell, bridge, page }) => {
  await shell.open();
  await navigate(bridge, 'local', 'nosuchrequest0000000');
  await expect(page.getByTestId('request-page')).toBeVisible();
  await expect(page.getByTestId('request-error')).toContainText(
    'request nosuchrequest0000000 is not known in context local',
  );
  expect(new URL(page.url()).hash).toBe('#/r/local/nosuchrequest0000000');
});
