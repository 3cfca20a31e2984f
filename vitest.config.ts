import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most end-to-end time is spent waiting on spawned CLIs and PostgreSQL, not in the worker:
    // more workers than the default (cores − 1) keep both cores busy.
    poolOptions: { forks: { minForks: 1, maxForks: 4 } },
    reporters: ['default'],
  },
});
