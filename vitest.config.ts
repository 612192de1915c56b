import { defineConfig } from 'vitest/config';
import { sharedTestOptions, testFiles } from './vitest.shared.js';

// Fast tier: embedded PGlite (one migrated snapshot loaded per file), no outside services.
export default defineConfig({
  test: {
    ...sharedTestOptions,
    include: testFiles,
    exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
  },
});
