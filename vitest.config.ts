// Unit and integration tests (vitest): *.test.ts next to the code they test, and suites that
// cut across it (test/, e.g. test/hostile/), run under Node, after one build
// (test/support/build-once.ts) for the tests that run the compiled entries.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'src-main/**/*.test.ts',
      'src-renderer/**/*.test.ts',
      'bin/**/*.test.ts',
      'bench/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    environment: 'node',
    globalSetup: ['test/support/build-once.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
