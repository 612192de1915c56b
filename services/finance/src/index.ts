export { buildFinanceApp, createFinanceContext, registerFinanceRoutes, remoteVerifier } from './app.js';
export { financeConfigSchema, financeConfigShape, loadFinanceConfig, type FinanceConfig } from './config.js';
export type { FinanceContext } from './context.js';
export { financeMigrations } from './migrations.js';
export { DEFAULT_SCHEDULER_INTERVAL_MS, runScheduler, startScheduler, type SchedulerRun } from './recurring/scheduler.js';
export { financeExportSections } from './export/sections.js';
