import {
  createEventBus,
  createMetrics,
  forSchema,
  systemClock,
  type Clock,
  type Database,
  type EventTransport,
  type HttpApp,
  type Logger,
  type Metrics,
} from '@expensio/common';
import type { RealtimeContext } from './context.js';
import { REALTIME_SCHEMA, type RealtimeTables } from './db.js';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from './webhooks/config.js';
import { subscribeWebhookConsumers } from './webhooks/consumers.js';
import { webhookRoutes } from './webhooks/routes.js';

export interface RealtimeContextOptions {
  database: Database;
  log: Logger;
  transport: EventTransport;
  clock?: Clock;
  /** The app's registry; a context built alone counts on one of its own. */
  metrics?: Metrics;
  /** From `webhookSettings(config)`; without it, the strict URL rules. */
  webhooks?: WebhookSettings;
}

/** Realtime's context; its consumers are the descriptor's to subscribe (`realtimeService.consumers`). */
export function buildRealtimeContext(options: RealtimeContextOptions): RealtimeContext {
  const db = forSchema<RealtimeTables>(options.database, REALTIME_SCHEMA);
  const clock = options.clock ?? systemClock;
  const bus = createEventBus({ db, transport: options.transport, clock, log: options.log });
  return { db, clock, log: options.log, metrics: options.metrics ?? createMetrics(), bus, webhooks: options.webhooks ?? DEFAULT_WEBHOOK_SETTINGS };
}

/** The context with its consumers subscribed, for code that runs realtime outside a composed process (tests). */
export function createRealtimeContext(options: RealtimeContextOptions): RealtimeContext {
  const ctx = buildRealtimeContext(options);
  subscribeWebhookConsumers(ctx);
  return ctx;
}

/** Realtime's HTTP routes, for any app that already has the auth plugin. */
export function registerRealtimeRoutes(app: HttpApp, ctx: RealtimeContext): void {
  // The gateway speaks Socket.IO, not HTTP routes.
  webhookRoutes(app, ctx);
}
