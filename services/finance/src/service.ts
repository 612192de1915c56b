import type { ServiceDescriptor } from '@expensio/common';
import { buildFinanceContext, registerFinanceRoutes } from './app.js';
import { financeConfigShape } from './config.js';
import { subscribeFinanceConsumers } from './consumers.js';
import type { FinanceContext } from './context.js';
import { FINANCE_SCHEMA } from './db.js';
import { financeExportSections } from './export/sections.js';
import { financeMigrations } from './migrations.js';
import { DEFAULT_SCHEDULER_INTERVAL_MS, startScheduler } from './recurring/scheduler.js';

/** Accounts, transactions, budgets, goals, debts, recurring rules, moods and imports. */
export const financeService: ServiceDescriptor<FinanceContext, typeof financeConfigShape> = {
  name: 'finance',
  title: 'Expensio finance API',
  schema: FINANCE_SCHEMA,
  configShape: financeConfigShape,
  // Without the broker, a deleted user's ledger would never hear of the deletion.
  standalone: { requires: { AMQP_URL: 'user.deleted and the ledger events travel through it' } },
  migrations: financeMigrations,
  createContext: ({ database, config, log, transport, clock, metrics }) => buildFinanceContext({ database, config, log, transport, clock, metrics }),
  consumers: subscribeFinanceConsumers,
  routes: registerFinanceRoutes,
  exportSections: financeExportSections,
  // Posts due recurring transactions, catching up on start; safe beside other replicas.
  jobs: (ctx) => [startScheduler(ctx, DEFAULT_SCHEDULER_INTERVAL_MS)],
};
