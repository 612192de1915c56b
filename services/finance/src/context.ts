import type { Clock, Logger } from '@expensio/common';
import type { FinanceDb } from './db.js';

/** The ledger's dependencies, passed in so tests move the clock and own the database. */
export interface FinanceContext {
  db: FinanceDb;
  clock: Clock;
  config: { DEFAULT_CURRENCY: string; IDEMPOTENCY_TTL: number; IMPORT_MAX_BYTES?: number };
  log: Logger;
}
