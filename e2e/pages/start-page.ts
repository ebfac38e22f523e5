// Page object for starting a request: type list, the generated form, the CLI preview.

import { expect, type Locator, type Page } from '@playwright/test';

export class StartPage {
  readonly form: Locator;
  readonly cli: Locator;
  readonly submitButton: Locator;

  constructor(readonly page: Page) {
    this.form = page.getByTestId('start-form');
    this.cli = page.getByTestId('start-cli');
    this.submitButton = page.getByTestId('start-submit');
  }

  async pickType(type: string): Promise<void> {
    await this.page.getByTestId('nav-start').click();
    await this.page.getByTestId(`request-type-${type}`).click();
    await expect(this.form).toBeVisible();
  }

  arg(name: string): Locator {
    return this.page.getByTestId(`arg-${name}`);
  }

  /** Submits and waits for the request page to open; returns the new request id. */
  async submit(): Promise<string> {
    await this.submitButton.click();
    const id = this.page.getByTestId('request-id');
    await expect(id).toBeVisible();
    return (await id.textContent()) ?? '';
  }
}
