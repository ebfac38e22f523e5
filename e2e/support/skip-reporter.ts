// A small reporter that prints every skipped test with its reason at the end of the run,
// so a skip (e.g. no Electron runtime) is never mistaken for a pass.

import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter';

export default class SkipReasonsReporter implements Reporter {
  readonly #skipped: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== 'skipped') return;
    const reasons = [...test.annotations, ...result.annotations]
      .filter((a) => a.type === 'skip' || a.type === 'fixme')
      .map((a) => a.description)
      .filter((d): d is string => !!d);
    const unique = [...new Set(reasons)];
    this.#skipped.push(
      `  - ${test.titlePath().filter(Boolean).join(' › ')}: ${unique.join('; ') || '(no reason given)'}`,
    );
  }

  onEnd(): void {
    if (this.#skipped.length === 0) return;
    console.log(`\nSkipped (${this.#skipped.length}):\n${this.#skipped.join('\n')}`);
  }

  printsToStdio(): boolean {
    return false;
  }
}
