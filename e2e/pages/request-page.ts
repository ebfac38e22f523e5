// Page object for one request: header (state, stop, CLI), the tabs, the stop dialog, and the
// Logs tab (job list, try tabs, streams, viewer).

import { expect, type Locator, type Page } from '@playwright/test';

export class RequestPage {
  readonly header: Locator;
  readonly state: Locator;
  readonly stopButton: Locator;
  readonly stopDialog: Locator;
  readonly readOnlyBadge: Locator;
  readonly logLines: Locator;
  readonly tryExit: Locator;
  readonly tryError: Locator;

  constructor(readonly page: Page) {
    this.header = page.getByTestId('request-header');
    this.state = this.header.getByTestId('state-badge').first();
    this.stopButton = page.getByTestId('stop-request');
    this.stopDialog = page.getByTestId('stop-dialog');
    this.readOnlyBadge = page.getByTestId('read-only-badge');
    this.logLines = page.getByTestId('log-line');
    this.tryExit = page.getByTestId('try-exit');
    this.tryError = page.getByTestId('try-error');
  }

  async expectState(label: string, timeout = 30_000): Promise<void> {
    await expect(this.state).toHaveAttribute('data-state', label, { timeout });
  }

  async tab(name: 'chain' | 'jobs' | 'timeline' | 'logs'): Promise<void> {
    await this.page.getByTestId(`tab-${name}`).click();
    await expect(this.page.getByTestId(`${name}-tab`)).toBeVisible();
  }

  async selectJob(jobId: string): Promise<void> {
    await this.page.locator(`[data-testid="log-job"][data-job="${jobId}"]`).click();
  }

  async selectJobStartingWith(prefix: string): Promise<void> {
    await this.page.locator(`[data-testid="log-job"][data-job^="${prefix}"]`).first().click();
  }

  tryTab(n: number): Locator {
    return this.page.locator(`[data-testid="try-tab"][data-try="${n}"]`);
  }

  async stream(name: 'stdout' | 'stderr'): Promise<void> {
    await this.page.getByTestId(`stream-${name}`).click();
  }

  async stop(): Promise<void> {
    await this.stopButton.click();
    await expect(this.stopDialog).toBeVisible();
  }
}
