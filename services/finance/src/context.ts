import type { Clock, Database, EventBus, GeoLocator, Logger, Metrics } from '@expensio/common';
import type { ForecastFits } from './analytics/forecast/fits.js';
import type { FinanceDb, FinanceTables } from './db.js';

/** The ledger's dependencies, passed in so tests move the clock and own the database. */
export interface FinanceContext {
  db: FinanceDb;
  /** The database under `db`, for the few statements run as prepared statements (`database.prepared`). */
  database: Database;
  clock: Clock;
  config: { DEFAULT_CURRENCY: string; IDEMPOTENCY_TTL: number; IMPORT_MAX_BYTES?: number; SECURITY_ALERT_THRESHOLD?: number };
  log: Logger;
  /** Counts scheduler runs and postings. */
  metrics: Metrics;
  /** Publishes through the caller's transaction (the outbox); finance's consumers subscribe here. */
  bus: EventBus<FinanceTables>;
  /** Spending forecasts already fitted, by their inputs (a fit is pure: a hit is the answer a new fit would give). */
  forecastFits: ForecastFits;
  /** The offline GeoIP data, opened on first use and shared by the process. */
  geo: () => Promise<GeoLocator>;
  /** False only where the cost of fraud scoring is measured (bench/run.ts): creates are then not scored. */
  scoring?: boolean;
}
