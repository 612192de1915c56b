import type { Clock, EventBus, Logger, Metrics } from '@expensio/common';
import type { RealtimeDb, RealtimeTables } from './db.js';
import type { WebhookSettings } from './webhooks/config.js';

/** What the gateway and the webhooks need, passed in so tests own the clock and the database. */
export interface RealtimeContext {
  db: RealtimeDb;
  clock: Clock;
  log: Logger;
  /** Counts webhook deliveries and Socket.IO connections. */
  metrics: Metrics;
  bus: EventBus<RealtimeTables>;
  /** URL rules, retries and timeouts of webhook delivery. */
  webhooks: WebhookSettings;
}
