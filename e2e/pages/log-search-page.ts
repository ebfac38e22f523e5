// Page object for log search across all cached requests.

import type { Locator, Page } from '@playwright/test';

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
}
