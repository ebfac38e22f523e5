// Page object for log search across all cached requests.

import { expect, type Locator, type Page } from '@playwright/test';

export class LogSearchPage {
  readonly input: Locator;
  readonly hits: Locator;

  constructor(readonly page: Page) {
    this.input = page.getByTestId('log-search-input');
    this.hits = page.getByTestId('log-search-hit');
  }

  async search(text: string): Promise<void> {
    await this.page.getByTestId('nav-search').click();
    await this.input.fill(text);
    await this.input.press('Enter');
  }

  /** Searches until `text` has hits: a log joins the full-text index a moment after it is cached. */
  async searchUntilFound(text: string): Promise<void> {
    await expect
      .poll(
        async () => {
          await this.search(text);
          return this.hits.count();
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0);
  }
}
