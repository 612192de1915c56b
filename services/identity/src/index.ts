export { configuredHasher, createIdentityContext, identityVerifier, registerIdentityRoutes, sweepExpired, type IdentityOptions } from './app.js';
export { checkIdentityConfig, identityConfigSchema, identityConfigShape, loadIdentityConfig, type IdentityConfig } from './config.js';
export type { IdentityContext } from './context.js';
export { identityMigrations } from './migrations.js';
export { MemoryMailer, type Mailer, type MailMessage } from './mail/mailer.js';
export { ephemeralSigningKeys } from './tokens/keys.js';
export { argon2Hasher, type PasswordHasher } from './passwords/hasher.js';
export { TEST_ARGON2, identityService, type IdentityOverrides } from './service.js';
export { identityExportSections } from './export/section.js';
