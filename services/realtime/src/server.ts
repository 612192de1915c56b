import { Redis } from 'ioredis';
import { ConfigError, createEventTransport, createLogger, exitOnSignal, migrateUp, openDatabase, remoteAccessTokenVerifier, runEventBuses, startEventPruning } from '@expensio/common';
import { buildRealtimeApp, createRealtimeContext } from './app.js';
import { webhookSettings } from './webhooks/config.js';
import { startWebhookDelivery } from './webhooks/worker.js';
import { loadRealtimeConfig } from './config.js';
import { gatewaySettings } from './gateway/config.js';
import { createGateway } from './gateway/gateway.js';
import { realtimeMigrations } from './migrations.js';

// Realtime alone, as it runs in Kubernetes: tokens checked against identity's JWKS and the shared
// Redis denylist, events from RabbitMQ.
async function main() {
  const config = loadRealtimeConfig();
  const missing = [
    ...(config.IDENTITY_JWKS_URL === undefined ? ['IDENTITY_JWKS_URL: is required when realtime runs alone (e.g. http://identity:3000/.well-known/jwks.json)'] : []),
    ...(config.REDIS_URL === undefined ? ['REDIS_URL: is required when realtime runs alone (revoked tokens are shared through it)'] : []),
    ...(config.AMQP_URL === undefined ? ['AMQP_URL: is required when realtime runs alone (the events it pushes come from the other services)'] : []),
  ];
  if (missing.length > 0 || config.IDENTITY_JWKS_URL === undefined || config.REDIS_URL === undefined) throw new ConfigError(missing);
  const log = createLogger(config.LOG_LEVEL, 'realtime');
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE });
  if (config.MIGRATE_ON_START) await migrateUp(database.kysely, realtimeMigrations());
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  const transport = createEventTransport({ amqpUrl: config.AMQP_URL, log });
  const ctx = createRealtimeContext({ database, log, transport, webhooks: webhookSettings(config) });
  const verify = remoteAccessTokenVerifier({ jwksUrl: config.IDENTITY_JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, redis });
  // Its consumer subscribes now, before the buses start; it serves on the app's port below.
  const gateway = createGateway(ctx, { verify, settings: gatewaySettings(config), redis });
  const app = await buildRealtimeApp(ctx, {
    config,
    verify,
    redis,
    logger: log,
    readiness: [
      { name: 'database', check: () => database.ping() },
      { name: 'redis', check: async () => { await redis.ping(); } },
    ],
  });
  gateway.attach(app.server);
  const stopEvents = await runEventBuses(transport, [ctx.bus]);
  // A window of delivered and processed events is kept, not every one ever.
  const stopPruning = startEventPruning(ctx.db, ctx.clock, log);
  // Attempts due webhook deliveries; safe beside other replicas (each claims its own rows).
  const stopWebhooks = startWebhookDelivery(ctx);
  exitOnSignal(log, async () => {
    await stopWebhooks();
    await gateway.close();
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
