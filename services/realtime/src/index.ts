export { buildRealtimeContext, createRealtimeContext, registerRealtimeRoutes, type RealtimeContextOptions } from './app.js';
export { realtimeService, type RealtimeOverrides } from './service.js';
export { realtimeConfigShape, type RealtimeConfig } from './config.js';
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
