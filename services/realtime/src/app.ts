import type { Redis } from 'ioredis';
import {
  authPlugin,
  createEventBus,
  createHttpApp,
  forSchema,
  httpSettings,
  systemClock,
  type AccessTokenVerifier,
  type Clock,
  type Database,
  type EventTransport,
  type HttpApp,
  type Logger,
  type ReadinessCheck,
} from '@expensio/common';
import type { RealtimeConfig } from './config.js';
import type { RealtimeContext } from './context.js';
import { REALTIME_SCHEMA, type RealtimeTables } from './db.js';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from './webhooks/config.js';
import { subscribeWebhookConsumers } from './webhooks/consumers.js';
import { webhookRoutes } from './webhooks/routes.js';

export function createRealtimeContext(options: {
  database: Database;
  log: Logger;
  transport: EventTransport;
  clock?: Clock;
  /** From `webhookSettings(config)`; without it, the strict URL rules. */
  webhooks?: WebhookSettings;
}): RealtimeContext {
  const db = forSchema<RealtimeTables>(options.database, REALTIME_SCHEMA);
  const clock = options.clock ?? systemClock;
  const bus = createEventBus({ db, transport: options.transport, clock, log: options.log });
  const ctx: RealtimeContext = { db, clock, log: options.log, bus, webhooks: options.webhooks ?? DEFAULT_WEBHOOK_SETTINGS };
  subscribeWebhookConsumers(ctx);
  return ctx;
}

/** Realtime's HTTP routes, for any app that already has the auth plugin. */
export function registerRealtimeRoutes(app: HttpApp, ctx: RealtimeContext): void {
  // The gateway speaks Socket.IO, not HTTP routes.
  webhookRoutes(app, ctx);
}

/** Realtime as a deployable of its own. */
export async function buildRealtimeApp(
  ctx: RealtimeContext,
  options: { config: RealtimeConfig; verify: AccessTokenVerifier; readiness: ReadinessCheck[]; redis?: Redis | undefined; logger: Logger | false },
): Promise<HttpApp> {
  const app = await createHttpApp({
    title: 'Expensio realtime API',
    version: '0.1.0',
    logger: options.logger,
    ...httpSettings(options.config),
    ...(options.redis && { redis: options.redis }),
    readiness: options.readiness,
  });
  await app.register(authPlugin, { verify: options.verify });
  registerRealtimeRoutes(app, ctx);
  return app;
}
