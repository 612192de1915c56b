import type { Clock, EventBus, Logger } from '@expensio/common';
import type { RealtimeDb, RealtimeTables } from './db.js';

/** What the gateway and the webhooks need, passed in so tests own the clock and the database. */
export interface RealtimeContext {
  db: RealtimeDb;
  clock: Clock;
  log: Logger;
  bus: EventBus<RealtimeTables>;
}
