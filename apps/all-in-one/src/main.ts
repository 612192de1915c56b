import { z } from 'zod';
import { authPlugin, ConfigError, createEventTransport, createHttpApp, httpSettings, createLogger, exitOnSignal, loadConfig, runEventBuses } from '@expensio/common';
import { DEFAULT_SCHEDULER_INTERVAL_MS, createFinanceContext, financeConfigShape, registerFinanceRoutes, startScheduler } from '@expensio/finance';
import {
  createIdentityContext,
  identityVerifier,
  loadIdentityConfig,
  openInfrastructure,
  readinessChecks,
  registerIdentityRoutes,
  startIdentity,
} from '@expensio/identity';
import { createGateway, createRealtimeContext, gatewaySettings, realtimeConfigShape, registerRealtimeRoutes, startWebhookDelivery, webhookSettings } from '@expensio/realtime';
import { allMigrationSets } from './services.js';

/** The embedded default: every service in one process, on one port, over one database. */
async function main() {
  const config = loadIdentityConfig();
  const financeConfig = loadConfig(z.object(financeConfigShape));
  const log = createLogger(config.LOG_LEVEL, 'expensio');
  const { database, redis } = await openInfrastructure(config, allMigrationSets(), log);
  // One transport for every service in the process: in-process by default, RabbitMQ with AMQP_URL.
  const transport = createEventTransport({ amqpUrl: config.AMQP_URL, log });
  const identity = await createIdentityContext({ config, database, redis, log, transport });
  const stopIdentity = await startIdentity(identity, log);

  const app = await createHttpApp({
    title: 'Expensio API',
    version: '0.1.0',
    description: 'Self-hosted personal finance. Sign in under /api/auth, then send the access token as a Bearer token.',
    logger: log,
    ...httpSettings(config),
    ...(redis && { redis }),
    readiness: readinessChecks(database, redis),
  });
  const verify = identityVerifier(identity);
  await app.register(authPlugin, { verify });
  registerIdentityRoutes(app, identity);
  const finance = createFinanceContext({ database, config: financeConfig, log, transport });
  registerFinanceRoutes(app, finance);
  const realtimeConfig = loadConfig(z.object(realtimeConfigShape));
  const realtime = createRealtimeContext({ database, log, transport, webhooks: webhookSettings(realtimeConfig, config.NODE_ENV) });
  registerRealtimeRoutes(app, realtime);
  // Socket.IO on the API's own server and port, its consumer subscribed before the buses start.
  const gateway = createGateway(realtime, { verify, settings: gatewaySettings({ ...realtimeConfig, CORS_ORIGINS: config.CORS_ORIGINS }), redis });
  await app.ready();
  gateway.attach(app.server);
  const stopEvents = await runEventBuses(transport, [identity.bus, finance.bus, realtime.bus]);
  // Posts due recurring transactions, catching up on start; safe beside other instances.
  const stopScheduler = startScheduler(finance, DEFAULT_SCHEDULER_INTERVAL_MS);
  // Attempts due webhook deliveries (written by realtime's consumer, never by the request).
  const stopWebhooks = startWebhookDelivery(realtime);

  const shutdown = async () => {
    stopIdentity();
    await stopScheduler();
    await stopWebhooks();
    await gateway.close();
    await app.close();
    await stopEvents();
    await identity.mail.drain();
    redis?.disconnect();
    await database.close();
  };
  exitOnSignal(log, shutdown);
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  log.info(`Expensio is up: ${address} (API reference at ${address}/docs, Socket.IO at ${address}/socket.io)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
