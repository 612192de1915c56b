export { buildFinanceContext, createFinanceContext, registerFinanceRoutes, type FinanceContextOptions } from './app.js';
export { financeConfigShape, type FinanceConfig } from './config.js';
export type { FinanceContext } from './context.js';
export { financeMigrations } from './migrations.js';
export { DEFAULT_SCHEDULER_INTERVAL_MS, runScheduler, startScheduler, type SchedulerRun } from './recurring/scheduler.js';
export { financeService } from './service.js';
export { financeExportSections } from './export/sections.js';
export {
  scoreTransaction,
  recentCharges,
  hourIn,
  payeeKey,
  type Risk,
  type RiskCandidate,
  type RiskHistory,
  type RecentCharge,
  type RecentCharges,
  type AmountSample,
  type Place,
} from './risk/score.js';
export { RISK } from './risk/weights.js';
