// The start form explains a bad value on its field, in Chromium against the real embedded engine:
// JSON that breaks (what and where), the RM's own refusal of a value mapped to its field in
// words, a missing required value; each clears as the operator types. And starting a request
// (which watches it) asks the browser for notification permission, which Settings then reports
// as it really is.

import { expect, test } from './fixtures';
import { snapScreens } from './support/screens';

test.describe.configure({ timeout: 90_000 });

test('a problem sits on its field, says what and where, and clears as the operator types', async ({
  shell,
  startPage,
  page,
}, testInfo) => {
  await shell.open();
  await startPage.pickType('rolling-restart');
  const hosts = startPage.arg('hosts');
  const problem = page.getByTestId('arg-problem-hosts');

  // Required: on the field, with the cursor put there.
  await startPage.submitButton.click();
  await expect(problem).toHaveText('hosts is required');
  await expect(hosts).toBeFocused();
  await hosts.pressSequentially('w');
  await expect(problem).toBeHidden();

  // JSON that breaks: what is wrong and where, the spot marked.
  await hosts.fill('["web1" "web2"]');
  await startPage.submitButton.click();
  await expect(problem).toContainText('hosts is not valid JSON: a comma expected at character 9');
  await expect(problem.locator('mark')).toHaveText('"');
  await snapScreens(page, testInfo, 'start-json-error');
  // Still wrong while typing: the message follows the value; right: it goes.
  await hosts.fill('["web1",');
  await hosts.press('End');
  await hosts.pressSequentially(' "web2"');
  await expect(problem).toContainText('a closing ] expected at character 16');
  await hosts.pressSequentially(']');
  await expect(problem).toBeHidden();

  // A value the RM refuses: text where it needs a list.
  await hosts.fill('web1');
  await startPage.submitButton.click();
  await expect(problem).toContainText(
    'hosts must be a list, but the Request Manager got text: write it as a JSON list, e.g. ["web1","web2"]',
  );
  await expect(problem).toContainText(
    'The Request Manager said: each:hosts:host: arg hosts is a string, expected a slice',
  );
  await expect(page.getByTestId('start-error')).toHaveCount(0);
  await expect(hosts).toBeFocused();
  await snapScreens(page, testInfo, 'start-rm-refusal');
  await hosts.pressSequentially('x');
  await expect(problem).toBeHidden();
});

test('starting a request asks the browser for notifications, and Settings says what it allows', async ({
  shell,
  startPage,
  page,
}, testInfo) => {
  await shell.open();
  const permission = () => page.evaluate(() => Notification.permission);
  expect(await permission()).toBe('default');
  await page.getByTestId('open-settings').click();
  const said = page.getByTestId('notification-permission');
  await expect(said).toContainText('The browser has not allowed them yet');
  await expect(page.getByTestId('allow-notifications')).toBeVisible();
  await snapScreens(page, testInfo, 'settings-notifications-not-asked');
  await page.keyboard.press('Escape');

  // Starting a request watches it: the browser is asked (headless Chromium answers "denied").
  await startPage.pickType('hello');
  await startPage.submit();
  await expect.poll(permission).not.toBe('default');
  await page.getByTestId('open-settings').click();
  await expect(said).toHaveAttribute('data-permission', await permission());
  await expect(said).toContainText('The browser blocks them');
  await expect(page.getByTestId('allow-notifications')).toHaveCount(0);
});

test('Settings says so when the browser allows notifications', async ({ shell, page, context, bridge }) => {
  await context.grantPermissions(['notifications'], { origin: bridge.origin });
  await shell.open();
  await page.getByTestId('open-settings').click();
  await expect(page.getByTestId('notification-permission')).toHaveText('The browser shows them.');
});
