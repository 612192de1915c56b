export { buildRealtimeApp, createRealtimeContext, registerRealtimeRoutes } from './app.js';
export { loadRealtimeConfig, realtimeConfigSchema, realtimeConfigShape, type RealtimeConfig } from './config.js';
export type { RealtimeContext } from './context.js';
export { realtimeMigrations } from './migrations.js';
