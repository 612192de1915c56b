import type { ViteUserConfig } from 'vitest/config';

export const testFiles = ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'];

export const sharedTestOptions = {
  globalSetup: ['test/global-setup.ts'],
  // Each file holds a database of its own (PGlite ~ hundreds of MB): forks keep memory apart.
  pool: 'forks',
  testTimeout: 30_000,
  hookTimeout: 60_000,
} satisfies ViteUserConfig['test'];
