import { Redis } from 'ioredis';
import { ConfigError, createEventTransport, createLogger, exitOnSignal, migrateUp, openDatabase, runEventBuses, startEventPruning } from '@expensio/common';
import { buildFinanceApp, createFinanceContext, remoteVerifier } from './app.js';
import { loadFinanceConfig } from './config.js';
import { financeMigrations } from './migrations.js';
import { DEFAULT_SCHEDULER_INTERVAL_MS, startScheduler } from './recurring/scheduler.js';

// Finance alone, as it runs in Kubernetes: tokens checked against identity's JWKS and the shared
// Redis denylist, so both are required.
async function main() {
  const config = loadFinanceConfig();
  if (config.IDENTITY_JWKS_URL === undefined || config.REDIS_URL === undefined || config.AMQP_URL === undefined) {
    throw new ConfigError([
      ...(config.IDENTITY_JWKS_URL === undefined ? ['IDENTITY_JWKS_URL: is required when finance runs alone (e.g. http://identity:3000/.well-known/jwks.json)'] : []),
      ...(config.REDIS_URL === undefined ? ['REDIS_URL: is required when finance runs alone (revoked tokens are shared through it)'] : []),
      // Without the broker, a deleted user's ledger would never hear of the deletion.
      ...(config.AMQP_URL === undefined ? ['AMQP_URL: is required when finance runs alone (user.deleted and the ledger events travel through it)'] : []),
    ]);
  }
  const log = createLogger(config.LOG_LEVEL, 'finance');
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE });
  if (config.MIGRATE_ON_START) await migrateUp(database.kysely, financeMigrations());
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  const transport = createEventTransport({ amqpUrl: config.AMQP_URL, log });
  const ctx = createFinanceContext({ database, config, log, transport });
  const app = await buildFinanceApp(ctx, {
    config,
    verify: remoteVerifier(config, redis),
    redis,
    logger: log,
    readiness: [
      { name: 'database', check: () => database.ping() },
      { name: 'redis', check: async () => { await redis.ping(); } },
    ],
  });
  const stopEvents = await runEventBuses(transport, [ctx.bus]);
  // A window of delivered and processed events is kept, not every one ever.
  const stopPruning = startEventPruning(ctx.db, ctx.clock, log);
  // Posts due recurring transactions, catching up on start; safe beside other replicas.
  const stopScheduler = startScheduler(ctx, DEFAULT_SCHEDULER_INTERVAL_MS);
  exitOnSignal(log, async () => {
    await stopScheduler();
    await app.close();
    stopPruning();
    await stopEvents();
    redis.disconnect();
    await database.close();
  });
  await app.listen({ host: config.HOST, port: config.PORT });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
