// Vitest global setup: the one build before any test, so the tests that start `spincycle` or the
// web mode as a process run the compiled code that ships, built from the sources under test.
// (Watch mode builds once per start, not per change.)

import { buildApp } from '../../scripts/build-app.js';

export default async function setup(): Promise<void> {
  await buildApp();
}
