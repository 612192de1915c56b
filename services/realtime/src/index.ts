export { buildRealtimeApp, createRealtimeContext, registerRealtimeRoutes } from './app.js';
export { loadRealtimeConfig, realtimeConfigSchema, realtimeConfigShape, type RealtimeConfig } from './config.js';
export type { RealtimeContext } from './context.js';
export { realtimeMigrations } from './migrations.js';
export { DEFAULT_WEBHOOK_SETTINGS, webhookConfigShape, webhookSettings, type WebhookSettings } from './webhooks/config.js';
export { runWebhookDeliveries, startWebhookDelivery, type DeliveryPass } from './webhooks/worker.js';
