import type { ViteUserConfig } from 'vitest/config';

/**
 * One test setup for every package: resolve workspace packages to their
 * sources (the `source` export condition), write a JSON report that
 * scripts/test-all.mjs sums into the closing `N passed, N failed` line.
 */
export function sharedTestConfig(extra: { testTimeout?: number } = {}): ViteUserConfig {
  const conditions = ['source', 'module', 'node', 'development|production'];
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: extra.testTimeout ?? 60_000,
      reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    },
  };
}
