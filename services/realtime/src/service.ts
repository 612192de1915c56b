import type { ServiceDescriptor } from '@expensio/common';
import { buildRealtimeContext, registerRealtimeRoutes } from './app.js';
import { realtimeConfigShape } from './config.js';
import type { RealtimeContext } from './context.js';
import { REALTIME_SCHEMA } from './db.js';
import { realtimeExportSections } from './export/section.js';
import { gatewaySettings, type GatewaySettings } from './gateway/config.js';
import { createGateway } from './gateway/gateway.js';
import { realtimeMigrations } from './migrations.js';
import { webhookSettings, type WebhookSettings } from './webhooks/config.js';
import { subscribeWebhookConsumers } from './webhooks/consumers.js';
import { startWebhookDelivery } from './webhooks/worker.js';

/** Socket.IO pushes and webhooks: what the other services publish, delivered outward. */
/** What tests stand in: webhook retries on the manual clock, gateway settings below the config's floors, a Redis channel per test. */
export interface RealtimeOverrides {
  webhooks: WebhookSettings;
  gateway: Partial<GatewaySettings>;
  redisChannel: string;
}

export const realtimeService: ServiceDescriptor<RealtimeContext, typeof realtimeConfigShape, RealtimeOverrides> = {
  name: 'realtime',
  title: 'Expensio realtime API',
  schema: REALTIME_SCHEMA,
  configShape: realtimeConfigShape,
  standalone: { requires: { AMQP_URL: 'the events it pushes come from the other services' } },
  migrations: realtimeMigrations,
  createContext: ({ database, config, log, transport, clock, metrics, overrides }) =>
    buildRealtimeContext({ database, log, transport, clock, metrics, webhooks: overrides.webhooks ?? webhookSettings(config) }),
  consumers: subscribeWebhookConsumers,
  routes: registerRealtimeRoutes,
  exportSections: realtimeExportSections,
  // Socket.IO on the API's own server and port, with the API's verifier; its consumer subscribes here, before the buses start.
  attach: (ctx, { verify, redis, config, overrides }) =>
    createGateway(ctx, {
      verify,
      settings: { ...gatewaySettings(config), ...overrides.gateway },
      redis,
      ...(overrides.redisChannel !== undefined && { redisChannel: overrides.redisChannel }),
    }),
  // Attempts due webhook deliveries (written by the consumer, never by the request); each replica claims its own rows.
  jobs: (ctx) => [startWebhookDelivery(ctx)],
};
