import { z } from 'zod';
import { authPlugin, createHttpApp, registerExportRoute, httpSettings, loadConfig, runEventBuses, startEventPruning, type Database, type EventTransport, type HttpApp, type Logger } from '@expensio/common';
import { DEFAULT_SCHEDULER_INTERVAL_MS, createFinanceContext, financeExportSections, financeConfigShape, registerFinanceRoutes, startScheduler, type FinanceContext } from '@expensio/finance';
import {
  createIdentityContext,
  identityExportSections,
  identityVerifier,
  readinessChecks,
  registerIdentityRoutes,
  startIdentity,
  type IdentityConfig,
  type IdentityContext,
  type IdentityOptions,
} from '@expensio/identity';
import {
  createGateway,
  createRealtimeContext,
  gatewaySettings,
  realtimeConfigShape,
  realtimeExportSections,
  registerRealtimeRoutes,
  startWebhookDelivery,
  webhookSettings,
  type RealtimeContext,
} from '@expensio/realtime';

export interface Expensio {
  app: HttpApp;
  identity: IdentityContext;
  finance: FinanceContext;
  realtime: RealtimeContext;
  /** Readies the app, attaches Socket.IO to its server and starts the buses and background work. */
  start(): Promise<void>;
  /** Stops what `start` started and closes the app; the database, Redis and transport stay the caller's. */
  stop(): Promise<void>;
}

export interface ComposeOptions extends Pick<IdentityOptions, 'mailer' | 'clock' | 'keys' | 'redisPrefix' | 'mailRetryDelaysMs'> {
  config: IdentityConfig;
  env?: NodeJS.ProcessEnv;
  database: Database;
  redis?: IdentityOptions['redis'];
  transport: EventTransport;
  log: Logger;
  /** False for tests that run the scheduler and the webhook worker by hand. */
  background?: boolean;
}

/**
 * Every service in one process, on one app and one database: identity signs tokens the others
 * verify in-process, and the events cross through the one transport given.
 */
export async function composeExpensio(options: ComposeOptions): Promise<Expensio> {
  const { config, database, redis, transport, log } = options;
  const env = options.env ?? process.env;
  const financeConfig = loadConfig(z.object(financeConfigShape), env);
  const realtimeConfig = loadConfig(z.object(realtimeConfigShape), env);
  const identity = await createIdentityContext({ ...options, config, database, redis, log, transport });

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
  const finance = createFinanceContext({ database, config: financeConfig, log, transport, ...(options.clock && { clock: options.clock }) });
  registerFinanceRoutes(app, finance);
  const realtime = createRealtimeContext({ database, log, transport, webhooks: webhookSettings(realtimeConfig), ...(options.clock && { clock: options.clock }) });
  registerRealtimeRoutes(app, realtime);
  // One document from every service's sections (ADR 0010).
  registerExportRoute(app, { sections: [...identityExportSections(identity), ...financeExportSections(finance), ...realtimeExportSections(realtime)], clock: finance.clock });
  // Socket.IO on the API's own server and port, its consumer subscribed before the buses start.
  const gateway = createGateway(realtime, { verify, settings: gatewaySettings({ ...realtimeConfig, CORS_ORIGINS: config.CORS_ORIGINS }), redis });

  const stops: (() => Promise<void> | void)[] = [];
  return {
    app,
    identity,
    finance,
    realtime,
    async start() {
      stops.push(await startIdentity(identity, log));
      await app.ready();
      gateway.attach(app.server);
      stops.push(await runEventBuses(transport, [identity.bus, finance.bus, realtime.bus]));
      if (options.background !== false) {
        // Each service keeps a window of delivered and processed events, not every one ever.
        for (const ctx of [identity, finance, realtime]) stops.push(startEventPruning(ctx.db, ctx.clock, log));
        // Posts due recurring transactions, catching up on start; safe beside other instances.
        stops.push(startScheduler(finance, DEFAULT_SCHEDULER_INTERVAL_MS));
        // Attempts due webhook deliveries (written by realtime's consumer, never by the request).
        stops.push(startWebhookDelivery(realtime));
      }
    },
    async stop() {
      await gateway.close();
      await app.close();
      for (const stop of stops.reverse()) await stop();
      await identity.mail.drain();
    },
  };
}
