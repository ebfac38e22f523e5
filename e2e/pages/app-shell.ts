// Page object for the console shell: open with the token, the context switcher and its env
// label, the offline banner, navigation, the command palette and settings.
/// <reference lib="dom" /> — page.evaluate callbacks run in the browser

import { expect, type Locator, type Page } from '@playwright/test';
import type { BridgeInfo } from '../support/web-bridge';

export class AppShell {
  readonly contextName: Locator;
  readonly contextEnv: Locator;
  readonly offlineBanner: Locator;
  readonly cacheAge: Locator;
  readonly toasts: Locator;

  constructor(
    readonly page: Page,
    readonly bridge: BridgeInfo,
  ) {
    this.contextName = page.getByTestId('context-name');
    this.contextEnv = page.getByTestId('context-env');
    this.offlineBanner = page.getByTestId('offline-banner');
    this.cacheAge = page.getByTestId('cache-age');
    this.toasts = page.getByTestId('toasts');
  }

  /** Opens the console at a route (hash) and waits until the embedded context answers. */
  async open(hash = '#/requests', { waitOnline = true } = {}): Promise<void> {
    const url = new URL(this.bridge.url);
    url.hash = hash;
    await this.page.goto(url.toString());
    await expect(this.contextName).toBeVisible();
    if (waitOnline) await expect(this.offlineBanner).toBeHidden({ timeout: 30_000 });
  }

  async goto(hash: string): Promise<void> {
    await this.page.evaluate((h) => (location.hash = h), hash);
  }

  async switchContext(name: string): Promise<void> {
    await this.page.getByTestId('context-switcher').click();
    await this.page.getByTestId('context-menu').getByRole('menuitem', { name }).first().click();
    await expect(this.contextName).toHaveText(name);
  }

  async addContext(name: string, url: string, env: string): Promise<void> {
    await this.page.getByTestId('context-switcher').click();
    await this.page.getByTestId('manage-contexts').click();
    const dialog = this.page.getByTestId('contexts-dialog');
    await dialog.getByTestId('add-context').click();
    await dialog.getByTestId('context-form-name').fill(name);
    await dialog.getByTestId('context-form-url').fill(url);
    await dialog.getByTestId('context-form-env').fill(env);
    await dialog.getByTestId('context-form-save').click();
    await expect(dialog.locator(`[data-testid="context-row"][data-name="${name}"]`)).toBeVisible();
    await dialog.getByRole('button', { name: 'Done' }).click();
  }

  async openPalette(): Promise<Locator> {
    await this.page.keyboard.press('Control+k');
    const palette = this.page.getByTestId('command-palette');
    await expect(palette).toBeVisible();
    return palette;
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path });
  }
}
