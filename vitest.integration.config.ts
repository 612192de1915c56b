import { defineConfig } from 'vitest/config';
import { sharedTestOptions, testFiles } from './vitest.shared.js';

// Integration tier: the same API tests against real PostgreSQL (a migrated template cloned per
// file) and Redis, plus the tests that need real servers (*.integration.test.ts).
process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379';
process.env.TEST_AMQP_URL ??= 'amqp://guest:guest@127.0.0.1:5672';

export default defineConfig({
  test: {
    ...sharedTestOptions,
    include: testFiles,
    exclude: ['**/node_modules/**'],
  },
});
