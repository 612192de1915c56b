import { Redis } from 'ioredis';
import { baseConfigSchema } from '../config/base.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { runMigrationCli } from '../db/cli.js';
import { openDatabase } from '../db/connect.js';
import { DataDirInUseError } from '../db/lock.js';
import { migrateUp } from '../db/migrations.js';
import { createEventTransport } from '../events/factory.js';
import { createLogger, type Logger } from '../logger.js';
import { exitOnSignal } from '../process.js';
import { checkStandalone, loadServicesConfig } from './config.js';
import { composeServices } from './compose.js';
import type { HttpApp } from '../http/app.js';
import { startMetricsServer } from '../metrics/http.js';
import { startTracing } from '../tracing/sdk.js';
import type { AnyServiceDescriptor } from './descriptor.js';

export interface RunOptions {
  /** The logger's name; the service's own when it runs alone. */
  name?: string;
  title?: string;
  description?: string;
}

function exitOnError(error: unknown): never {
  // A second process on the same DATA_DIR is told so in one line, like a config problem.
  console.error(error instanceof ConfigError || error instanceof DataDirInUseError ? error.message : error);
  process.exit(1);
}

/**
 * A process serving these services: config parsed once, the database opened and migrated
 * (MIGRATE_ON_START), Redis and the event transport, the app on HOST:PORT, and a clean stop on
 * SIGTERM. `migrate up | down [n] | status` as arguments runs the migrations instead.
 */
export function runServices(descriptors: readonly AnyServiceDescriptor[], options: RunOptions = {}): void {
  const args = process.argv.slice(2);
  const run = args[0] === 'migrate' ? runMigrations(descriptors, args.slice(1)) : serve(descriptors, options);
  run.catch(exitOnError);
}

/** One service alone, as it runs in Kubernetes. */
export function runService(descriptor: AnyServiceDescriptor): void {
  runServices([descriptor], { name: descriptor.name, title: descriptor.title });
}

export interface RunningServices {
  app: HttpApp;
  /** Where it listens, e.g. http://127.0.0.1:3000. */
  address: string;
  /** Where /metrics is served when METRICS_PORT gives it a port of its own. */
  metricsAddress?: string;
  log: Logger;
  /** Turns readiness to 503 at once; `stop` then closes everything. */
  beginShutdown(): void;
  /** Stops the services, then closes Redis and the database. */
  stop(): Promise<void>;
  /** SHUTDOWN_DELAY and SHUTDOWN_TIMEOUT, in milliseconds. */
  shutdown: { delayMs: number; timeoutMs: number };
}

/**
 * Boots these services as a process does (config from `env`, the database opened and migrated,
 * Redis, the transport, the app listening on HOST:PORT) and returns them running.
 */
export async function startServices(
  descriptors: readonly AnyServiceDescriptor[],
  options: RunOptions & { env?: NodeJS.ProcessEnv } = {},
): Promise<RunningServices> {
  const config = loadServicesConfig(descriptors, options.env);
  const warnings = checkStandalone(descriptors, config);
  const name = options.name ?? descriptors.map((d) => d.name).join('+');
  // Before anything that makes spans; undefined (and the SDK never loaded) unless OTEL_* ask for traces.
  const tracing = await startTracing({ serviceName: name.startsWith('expensio') ? name : `expensio-${name}`, env: options.env ?? process.env });
  const log = createLogger(config.LOG_LEVEL, name, { traceIds: tracing !== undefined });
  if (tracing) log.info('tracing on: spans go where the OTEL_* variables say');
  for (const warning of warnings) log.warn(warning);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE });
  log.info({ database: database.kind, dataDir: database.kind === 'pglite' ? config.DATA_DIR : undefined }, 'database opened');
  if (config.MIGRATE_ON_START) {
    for (const set of descriptors.map((d) => d.migrations())) {
      const applied = await migrateUp(database.kysely, set);
      if (applied.length > 0) log.info({ schema: set.schema, applied: applied.map((m) => m.version) }, 'migrations applied');
    }
  }
  const redis = config.REDIS_URL !== undefined ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 }) : undefined;
  // Each failed reconnection is an 'error' event: logged, while requests needing Redis answer 503.
  redis?.on('error', (error: Error) => {
    log.warn({ err: error }, 'Redis unreachable; reconnecting');
  });
  const transport = createEventTransport({ amqpUrl: config.AMQP_URL, log });
  const title = options.title ?? descriptors[0]?.title ?? 'Expensio API';
  const services = await composeServices(descriptors, {
    config,
    database,
    redis,
    transport,
    log,
    title,
    tracing: tracing !== undefined,
    ...(options.description !== undefined && { description: options.description }),
  });
  await services.start();
  const metricsServer =
    config.METRICS_ENABLED && config.METRICS_PORT !== undefined
      ? await startMetricsServer(services.metrics, { host: config.HOST, port: config.METRICS_PORT })
      : undefined;
  const address = await services.app.listen({ host: config.HOST, port: config.PORT });
  log.info(`${title} is up: ${address} (API reference at ${address}/docs)`);
  if (metricsServer) log.info(`metrics at ${metricsServer.address}/metrics`);
  return {
    app: services.app,
    address,
    ...(metricsServer && { metricsAddress: metricsServer.address }),
    log,
    beginShutdown: () => {
      services.beginShutdown();
    },
    shutdown: { delayMs: config.SHUTDOWN_DELAY, timeoutMs: config.SHUTDOWN_TIMEOUT },
    stop: async () => {
      await services.stop();
      await metricsServer?.close();
      redis?.disconnect();
      await database.close();
      // Last, so the spans of the shutdown itself are flushed too.
      await tracing?.shutdown();
    },
  };
}

async function serve(descriptors: readonly AnyServiceDescriptor[], options: RunOptions): Promise<void> {
  const running = await startServices(descriptors, options);
  const { delayMs, timeoutMs } = running.shutdown;
  exitOnSignal(
    running.log,
    async () => {
      // Readiness first, so the load balancer stops routing here while this process still serves.
      running.beginShutdown();
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      await running.stop();
    },
    { timeoutMs },
  );
}

/**
 * `migrate up | down [n] | status` over these services' schemas, in order (rolled back in reverse).
 * Reads only the database variables: a migration needs no SMTP or signing key.
 */
export async function runMigrations(descriptors: readonly AnyServiceDescriptor[], args: string[] = process.argv.slice(2)): Promise<void> {
  const config = loadConfig(baseConfigSchema);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    process.exitCode = await runMigrationCli(
      args,
      database.kysely,
      descriptors.map((d) => d.migrations()),
    );
  } finally {
    await database.close();
  }
}

/** The migration command line as a process of its own (`npm run migrate`). */
export function runMigrationsMain(descriptors: readonly AnyServiceDescriptor[]): void {
  runMigrations(descriptors).catch(exitOnError);
}
