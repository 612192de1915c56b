export { ManualClock } from '../clock.js';
export { SETTLE_TIMEOUT_MS, settleEvents } from './events.js';
export { sampleTransactionCreated } from './payloads.js';
export { explainQuery, recordQueries, planLinesWith } from './query-plans.js';
export { TcpProxy } from './tcp-proxy.js';
export { TEST_AUDIENCE, TEST_ISSUER, createTestTokenIssuer, type TestTokenClaims, type TestTokenIssuer } from './tokens.js';
export {
  adminQuery,
  dropPostgresTemplate,
  openTestDatabaseFrom,
  preparePgliteSnapshot,
  preparePostgresTemplate,
  type TestDatabaseSource,
} from './databases.js';

export { openTestDatabase, testRedisUrl } from './test-database.js';
export { TEST_PASSWORD, buildTestApp, call, newUser, type TestApp, type TestAppOptions, type TestMethod, type TestUser } from './app.js';
export { TEST_IPS } from './geo.js';
