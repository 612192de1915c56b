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

export function createRealtimeContext(options: { database: Database; log: Logger; transport: EventTransport; clock?: Clock }): RealtimeContext {
  const db = forSchema<RealtimeTables>(options.database, REALTIME_SCHEMA);
  const clock = options.clock ?? systemClock;
  return { db, clock, log: options.log, bus: createEventBus({ db, transport: options.transport, clock, log: options.log }) };
}

/** Realtime's HTTP routes, for any app that already has the auth plugin. */
export function registerRealtimeRoutes(app: HttpApp, ctx: RealtimeContext): void {
  // The webhook routes land here (issue 4); the gateway speaks Socket.IO, not HTTP routes.
  app.log.debug({ schema: REALTIME_SCHEMA, bus: ctx.bus.relay !== undefined }, 'realtime routes registered');
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
