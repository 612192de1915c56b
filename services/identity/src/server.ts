import { ConfigError, createEventTransport, createLogger, exitOnSignal, runEventBuses, startEventPruning } from '@expensio/common';
import { buildIdentityApp, createIdentityContext } from './app.js';
import { loadIdentityConfig } from './config.js';
import { identityMigrations } from './migrations.js';
import { openInfrastructure, startIdentity } from './runtime.js';

// Identity alone, as it runs in Kubernetes.
async function main() {
  const config = loadIdentityConfig();
  const log = createLogger(config.LOG_LEVEL, 'identity');
  if (config.AMQP_URL === undefined) {
    log.warn('AMQP_URL is unset: identity alone publishes its events to no other service (a deleted user\'s data stays in finance and realtime)');
  }
  const { database, redis } = await openInfrastructure(config, [identityMigrations()], log);
  const transport = createEventTransport({ amqpUrl: config.AMQP_URL, log });
  const ctx = await createIdentityContext({ config, database, redis, log, transport });
  const stop = await startIdentity(ctx, log);
  const app = await buildIdentityApp(ctx, { database, redis, logger: log });
  const stopEvents = await runEventBuses(transport, [ctx.bus]);
  // A window of delivered and processed events is kept, not every one ever.
  const stopPruning = startEventPruning(ctx.db, ctx.clock, log);
  const shutdown = async () => {
    stop();
    await app.close();
    stopPruning();
    await stopEvents();
    await ctx.mail.drain();
    redis?.disconnect();
    await database.close();
  };
  exitOnSignal(log, shutdown);
  await app.listen({ host: config.HOST, port: config.PORT });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
