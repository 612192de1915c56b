export type { AttemptLimiter, LimitDecision, LimitRule } from './types.js';
export { decide, type WindowState } from './window.js';
export { postgresAttemptLimiter, type AttemptLimitTable } from './postgres.js';
export { redisAttemptLimiter } from './redis.js';
export { clientNetwork } from './client-network.js';
