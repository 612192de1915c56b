export { buildIdentityApp, createIdentityContext, identityVerifier, readinessChecks, registerIdentityRoutes, sweepExpired, type IdentityOptions } from './app.js';
export { identityConfigSchema, loadIdentityConfig, type IdentityConfig } from './config.js';
export type { IdentityContext } from './context.js';
export { identityMigrations } from './migrations.js';
export { MemoryMailer, type Mailer, type MailMessage } from './mail/mailer.js';
export { ephemeralSigningKeys } from './tokens/keys.js';
export { openInfrastructure, startIdentity } from './runtime.js';
export { identityExportSections } from './export/section.js';
