import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests run kustomize and helm on the real 26.03 tree.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two cores: the integration suites start their own parallel kustomize builds.
    maxWorkers: 2,
  },
});
