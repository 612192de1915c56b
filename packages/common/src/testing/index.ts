import { inject } from 'vitest';
import type { Database } from '../db/connect.js';
import { openTestDatabaseFrom, type TestDatabaseSource } from './databases.js';

export { ManualClock } from '../clock.js';
export { settleEvents } from './events.js';
export { sampleTransactionCreated } from './payloads.js';
export { explainQuery, recordQueries, planLinesWith } from './query-plans.js';
export { TcpProxy } from './tcp-proxy.js';
export { TEST_AUDIENCE, TEST_ISSUER, createTestTokenIssuer, type TestTokenClaims, type TestTokenIssuer } from './tokens.js';
export {
  dropPostgresTemplate,
  openTestDatabaseFrom,
  preparePgliteSnapshot,
  preparePostgresTemplate,
  type TestDatabaseSource,
} from './databases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: TestDatabaseSource;
  }
}

/** A database of this test file's own, with every service's migrations applied. */
export async function openTestDatabase(): Promise<Database & { url?: string }> {
  return openTestDatabaseFrom(inject('testDatabase'));
}

/** Redis for this run when integration tests provide one; each file keys under its own prefix. */
export function testRedisUrl(): string | undefined {
  const url = process.env.TEST_REDIS_URL;
  return url === undefined || url === '' ? undefined : url;
}
