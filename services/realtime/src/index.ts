export { buildRealtimeApp, createRealtimeContext, registerRealtimeRoutes } from './app.js';
export { loadRealtimeConfig, realtimeConfigSchema, realtimeConfigShape, type RealtimeConfig } from './config.js';
export type { RealtimeContext } from './context.js';
export { realtimeMigrations } from './migrations.js';
export { DEFAULT_WEBHOOK_SETTINGS, webhookConfigShape, webhookSettings, type WebhookSettings } from './webhooks/config.js';
export { runWebhookDeliveries, startWebhookDelivery, type DeliveryPass } from './webhooks/worker.js';
export { createGateway, type Gateway, type GatewayOptions } from './gateway/gateway.js';
export { gatewaySettings, type GatewaySettings } from './gateway/config.js';
export {
  ADMIN_ROOM,
  GATEWAY_CONSUMER,
  PUSHED_EVENT_TYPES,
  UNAUTHORIZED_MESSAGE,
  userRoom,
  type AdminRoomAnswer,
  type AuthFailure,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from './gateway/protocol.js';
export { realtimeExportSections } from './export/section.js';
