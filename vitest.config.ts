import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The second reporter prints one plain `N passed, N failed, N skipped` line last, for CI.
    reporters: ['default', './test/helpers/reporter.ts'],
  },
});
