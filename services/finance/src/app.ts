import {
  createEventBus,
  createMetrics,
  forSchema,
  openGeoLocator,
  systemClock,
  type Clock,
  type Database,
  type EventTransport,
  type HttpApp,
  type Logger,
  type Metrics,
} from '@expensio/common';
import { accountRoutes } from './accounts/routes.js';
import { analyticsRoutes } from './analytics/routes.js';
import { ForecastFits } from './analytics/forecast/fits.js';
import { budgetRoutes } from './budgets/routes.js';
import { categoryRoutes } from './categories/routes.js';
import { debtRoutes } from './debts/routes.js';
import { goalRoutes } from './goals/routes.js';
import type { FinanceContext } from './context.js';
import { FINANCE_SCHEMA, type FinanceTables } from './db.js';
import { moodRoutes } from './moods/routes.js';
import { recurringRoutes } from './recurring/routes.js';
import { importRoutes } from './imports/routes.js';
import { ruleRoutes } from './rules/routes.js';
import { backupRoutes } from './export/routes.js';
import { transactionRoutes } from './transactions/routes.js';
import { transferRoutes } from './transfers/routes.js';
import { subscribeFinanceConsumers } from './consumers.js';

export interface FinanceContextOptions {
  database: Database;
  config: FinanceContext['config'];
  log: Logger;
  /** Shared by every service of the process (in-process, or RabbitMQ with AMQP_URL). */
  transport: EventTransport;
  clock?: Clock;
  /** The app's registry; a context built alone counts on one of its own. */
  metrics?: Metrics;
}

/** The ledger's context; its consumers are the descriptor's to subscribe (`financeService.consumers`). */
export function buildFinanceContext(options: FinanceContextOptions): FinanceContext {
  const db = forSchema<FinanceTables>(options.database, FINANCE_SCHEMA);
  const clock = options.clock ?? systemClock;
  const bus = createEventBus({ db, transport: options.transport, clock, log: options.log });
  return {
    db,
    database: options.database,
    clock,
    config: options.config,
    log: options.log,
    metrics: options.metrics ?? createMetrics(),
    bus,
    forecastFits: new ForecastFits(),
    geo: openGeoLocator,
  };
}

/** The context with its consumers subscribed, for code that runs finance outside a composed process (bench, tests). */
export function createFinanceContext(options: FinanceContextOptions): FinanceContext {
  const ctx = buildFinanceContext(options);
  subscribeFinanceConsumers(ctx);
  return ctx;
}

/** The finance routes, for any app that already has the auth plugin. */
export function registerFinanceRoutes(app: HttpApp, ctx: FinanceContext) {
  accountRoutes(app, ctx);
  categoryRoutes(app, ctx);
  transactionRoutes(app, ctx);
  transferRoutes(app, ctx);
  budgetRoutes(app, ctx);
  goalRoutes(app, ctx);
  debtRoutes(app, ctx);
  recurringRoutes(app, ctx);
  moodRoutes(app, ctx);
  importRoutes(app, ctx);
  ruleRoutes(app, ctx);
  backupRoutes(app, ctx);
  analyticsRoutes(app, ctx);
}
