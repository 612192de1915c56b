import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/slow-first-sequencer.js';
import { sharedTestOptions, testFiles } from './vitest.shared.js';

// Fast tier: embedded PGlite (one migrated snapshot loaded per file), no outside services.
export default defineConfig({
  test: {
    ...sharedTestOptions,
    include: testFiles,
    // build.test.ts builds dist/ and starts it as processes: CI runs it in the integration tier,
    // after `npm run test:build` has run these same files against the build.
    exclude: ['**/*.integration.test.ts', 'apps/all-in-one/test/build.test.ts', '**/node_modules/**'],
    sequence: { sequencer: SlowFirstSequencer },
  },
});
