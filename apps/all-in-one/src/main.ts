import { ConfigError, DataDirInUseError, createEventTransport, createLogger, exitOnSignal } from '@expensio/common';
import { loadIdentityConfig, openInfrastructure } from '@expensio/identity';
import { composeExpensio } from './compose.js';
import { allMigrationSets } from './services.js';

/** The embedded default: every service in one process, on one port, over one database. */
async function main() {
  const config = loadIdentityConfig();
  const log = createLogger(config.LOG_LEVEL, 'expensio');
  const { database, redis } = await openInfrastructure(config, allMigrationSets(), log);
  // One transport for every service in the process: in-process by default, RabbitMQ with AMQP_URL.
  const transport = createEventTransport({ amqpUrl: config.AMQP_URL, log });
  const expensio = await composeExpensio({ config, database, redis, transport, log });
  await expensio.start();

  exitOnSignal(log, async () => {
    await expensio.stop();
    redis?.disconnect();
    await database.close();
  });
  const address = await expensio.app.listen({ host: config.HOST, port: config.PORT });
  log.info(`Expensio is up: ${address} (API reference at ${address}/docs, Socket.IO at ${address}/socket.io)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof DataDirInUseError ? error.message : error);
  process.exit(1);
});
