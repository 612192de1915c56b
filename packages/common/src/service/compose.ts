import type { Redis } from 'ioredis';
import { authPlugin } from '../auth/plugin.js';
import { remoteAccessTokenVerifier } from '../auth/remote.js';
import type { AccessTokenVerifier } from '../auth/tokens.js';
import { systemClock, type Clock } from '../clock.js';
import type { AnyKysely, Database } from '../db/connect.js';
import { startEventPruning } from '../events/prune.js';
import { runEventBuses } from '../events/run.js';
import type { EventTransport } from '../events/transport.js';
import { registerExportRoute } from '../export/route.js';
import { createHttpApp, httpSettings, type HttpApp } from '../http/app.js';
import type { ReadinessCheck } from '../http/health.js';
import type { Logger } from '../logger.js';
import { countedTransport } from '../metrics/events.js';
import { countRequests, metricsRoute } from '../metrics/http.js';
import { createMetrics, type Metrics } from '../metrics/registry.js';
import { watchState } from '../metrics/state.js';
import type { ComposedConfig } from './config.js';
import type { AnyServiceDescriptor, ContextOf, ServiceAttachment, ServiceContext, StopJob } from './descriptor.js';

export interface ComposeOptions {
  config: ComposedConfig;
  database: Database;
  redis: Redis | undefined;
  transport: EventTransport;
  log: Logger;
  /** The app's logger; false keeps request logs out (tests). Defaults to `log`. */
  httpLogger?: Logger | false;
  clock?: Clock;
  /** Test stand-ins, handed to every service's context factory. */
  overrides?: Record<string, unknown>;
  /** Replaces the verifier the services would choose (tests that mint their own tokens). */
  verify?: AccessTokenVerifier;
  /** True when the process started the tracing SDK: requests get server spans (ADR 0023). */
  tracing?: boolean;
  /** False for tests that run the scheduler, the webhook worker and pruning by hand. */
  background?: boolean;
  title: string;
  description?: string;
}

export interface ComposedServices {
  app: HttpApp;
  /** This app's registry and counters; served at /metrics unless METRICS_PORT moves it to its own server. */
  metrics: Metrics;
  verify: AccessTokenVerifier;
  /** Each service's database, in order: their outboxes, for a test that waits for delivery. */
  databases: AnyKysely[];
  /** The context a descriptor of this process built. */
  context<D extends AnyServiceDescriptor>(descriptor: D): ContextOf<D>;
  /** Readies the app, attaches what serves on its server, starts the buses and background work. */
  start(): Promise<void>;
  /** Turns readiness to 503 at once, before `stop` closes anything (SIGTERM). */
  beginShutdown(): void;
  /** Stops what `start` started and closes the app; the database, Redis and transport stay the caller's. */
  stop(): Promise<void>;
}

export function readinessChecks(database: Database, redis: Redis | undefined): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];
  if (redis)
    checks.push({
      name: 'redis',
      check: async () => {
        await redis.ping();
      },
    });
  return checks;
}

function chooseVerifier(entries: readonly [AnyServiceDescriptor, ServiceContext][], options: ComposeOptions): AccessTokenVerifier {
  if (options.verify) return options.verify;
  for (const [descriptor, ctx] of entries) {
    const verify = descriptor.verifier?.(ctx);
    if (verify) return verify;
  }
  const { IDENTITY_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE } = options.config;
  // checkStandalone has said so to the operator already; this guards other callers.
  if (IDENTITY_JWKS_URL === undefined || options.redis === undefined)
    throw new Error('without identity in the process, IDENTITY_JWKS_URL and REDIS_URL are required');
  return remoteAccessTokenVerifier({
    jwksUrl: IDENTITY_JWKS_URL,
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
    redis: options.redis,
    ...(options.clock && { clock: options.clock }),
  });
}

/**
 * The services given, on one app, one database and one transport: alone (one descriptor), the
 * all-in-one (all of them) or a test. Consumers and attachments subscribe before the buses start.
 */
export async function composeServices(descriptors: readonly AnyServiceDescriptor[], options: ComposeOptions): Promise<ComposedServices> {
  const { config, database, redis, log } = options;
  const clock = options.clock ?? systemClock;
  // One registry per app: apps sharing a process (tests) never clash over a metric's name.
  const metrics = createMetrics({ defaultMetrics: config.METRICS_ENABLED });
  const transport = countedTransport(options.transport, metrics);
  const contexts = new Map<AnyServiceDescriptor, ServiceContext>();
  for (const descriptor of descriptors) {
    const ctx = (await descriptor.createContext({
      config,
      database,
      redis,
      transport,
      log,
      clock,
      metrics,
      overrides: options.overrides ?? {},
    })) as ServiceContext;
    descriptor.consumers?.(ctx);
    contexts.set(descriptor, ctx);
  }
  const entries = [...contexts.entries()];
  const verify = chooseVerifier(entries, options);

  let shuttingDown = false;
  const app = await createHttpApp({
    shuttingDown: () => shuttingDown,
    title: options.title,
    version: '0.1.0',
    ...(options.description !== undefined && { description: options.description }),
    logger: options.httpLogger ?? log,
    ...httpSettings(config),
    ...(redis && { redis }),
    ...(typeof options.overrides?.redisPrefix === 'string' && { rateLimitNamespace: `${options.overrides.redisPrefix}http-rl:` }),
    readiness: readinessChecks(database, redis),
    traced: options.tracing === true,
  });
  if (config.METRICS_ENABLED) {
    countRequests(app, metrics);
    watchState(metrics, { database, outboxes: entries.map(([descriptor, ctx]) => ({ service: descriptor.name, db: ctx.db })), clock, log });
    if (config.METRICS_PORT === undefined) metricsRoute(app, metrics);
  }
  await app.register(authPlugin, { verify });
  for (const [descriptor, ctx] of entries) descriptor.routes(app, ctx);
  if (entries.length === 1) for (const [descriptor, ctx] of entries) descriptor.aloneRoutes?.(app, ctx);
  // One document from the sections of every service in the process: all of them in the all-in-one, finance's own alone (ADR 0013).
  const sections = entries.flatMap(([descriptor, ctx]) => descriptor.exportSections?.(ctx) ?? []);
  if (sections.length > 0) registerExportRoute(app, { sections, clock });
  const attachments: ServiceAttachment[] = [];
  for (const [descriptor, ctx] of entries) {
    const attachment = descriptor.attach?.(ctx, { verify, redis, config, overrides: options.overrides ?? {} });
    if (attachment) attachments.push(attachment);
  }

  const stops: StopJob[] = [];
  return {
    app,
    metrics,
    verify,
    databases: entries.map(([, ctx]) => ctx.db),
    context: <D extends AnyServiceDescriptor>(descriptor: D) => {
      const ctx = contexts.get(descriptor);
      if (ctx === undefined) throw new Error(`${descriptor.name} is not part of this process`);
      return ctx as ContextOf<D>;
    },
    async start() {
      for (const [descriptor, ctx] of entries) await descriptor.prepare?.(ctx);
      await app.ready();
      for (const attachment of attachments) attachment.attach(app.server);
      stops.push(
        await runEventBuses(
          transport,
          entries.map(([, ctx]) => ctx.bus),
        ),
      );
      if (options.background === false) return;
      for (const [descriptor, ctx] of entries) {
        // A window of delivered and processed events is kept, not every one ever.
        stops.push(startEventPruning(ctx.db, ctx.clock, log));
        stops.push(...(descriptor.jobs?.(ctx) ?? []));
      }
    },
    beginShutdown() {
      shuttingDown = true;
    },
    async stop() {
      shuttingDown = true;
      for (const attachment of attachments) await attachment.close();
      await app.close();
      for (const stop of stops.reverse()) await stop();
      for (const [descriptor, ctx] of entries) await descriptor.drain?.(ctx);
    },
  };
}
