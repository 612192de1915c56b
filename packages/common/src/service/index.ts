export type {
  AnyServiceDescriptor,
  ContextOf,
  ServiceAttachment,
  ServiceConfig,
  ServiceContext,
  ServiceDeps,
  ServiceDescriptor,
  StopJob,
} from './descriptor.js';
export { addConfigProblems, checkStandalone, loadServicesConfig, servicesConfigSchema, type ComposedConfig } from './config.js';
export { composeServices, readinessChecks, type ComposeOptions, type ComposedServices } from './compose.js';
export { runMigrations, runMigrationsMain, runService, runServices, startServices, type RunOptions, type RunningServices } from './run.js';
