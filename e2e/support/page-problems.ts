// Every page error and console error of a test's pages, so that any flow fails on one: an
// uncaught exception (Svelte's effect_update_depth_exceeded among them), a failed resource, a
// CSP violation. A test that provokes one on purpose names it with allow().

import type { BrowserContext, ConsoleMessage, Page } from '@playwright/test';

export class PageProblems {
  private readonly seen: string[] = [];
  private readonly allowed: RegExp[] = [];

  /** Collects from every page of the context, those opened later included. */
  watch(context: BrowserContext): void {
    const page = (p: Page) => {
      p.on('console', (m) => this.console(m));
      p.on('pageerror', (e) => this.seen.push(`page error: ${e.stack ?? e.message}`));
    };
    context.pages().forEach(page);
    context.on('page', page);
  }

  private console(m: ConsoleMessage): void {
    if (m.type() !== 'error') return;
    const at = m.location();
    this.seen.push(`console error: ${m.text()}${at.url ? ` (${at.url}:${at.lineNumber})` : ''}`);
  }

  /** A problem the test provokes on purpose (matched against "page error: …" / "console error: …"). */
  allow(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  /** The problems seen and not allowed. */
  unexpected(): string[] {
    return this.seen.filter((p) => !this.allowed.some((re) => re.test(p)));
  }
}
