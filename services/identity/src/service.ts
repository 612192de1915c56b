import { startLoop, type ServiceDescriptor } from '@expensio/common';
import { ensureAdmin } from './admin/service.js';
import { createIdentityContext, identityVerifier, registerIdentityRoutes, sweepExpired, type IdentityOptions } from './app.js';
import { checkIdentityConfig, identityConfigShape } from './config.js';
import type { IdentityContext } from './context.js';
import { IDENTITY_SCHEMA } from './db.js';
import { identityExportSections } from './export/section.js';
import { MemoryMailer } from './mail/mailer.js';
import { identityMigrations } from './migrations.js';
import { subscribeFraudAlerts } from './security/fraud-alerts.js';
import { argon2Hasher } from './passwords/hasher.js';
import { patIntrospectionRoute } from './pats/routes.js';
import { ephemeralSigningKeys } from './tokens/keys.js';

const SWEEP_INTERVAL_MS = 10 * 60_000;

/** What a test (or the all-in-one's tests) may stand in for identity's real parts. */
export type IdentityOverrides = Pick<IdentityOptions, 'mailer' | 'keys' | 'hasher' | 'redisPrefix' | 'mailRetryDelaysMs'>;

/**
 * Argon2 at the library's floor: tests hash hundreds of passwords, and the production parameters
 * are checked by one test of their own (password.test.ts).
 */
export const TEST_ARGON2 = { memoryKib: 64, timeCost: 1 } as const;

/** Users, sessions, codes and tokens: the one service that signs access tokens. */
export const identityService: ServiceDescriptor<IdentityContext, typeof identityConfigShape, IdentityOverrides> = {
  name: 'identity',
  title: 'Expensio identity API',
  schema: IDENTITY_SCHEMA,
  configShape: identityConfigShape,
  checkConfig: checkIdentityConfig,
  standalone: {
    warns: { AMQP_URL: "identity alone publishes its events to no other service (a deleted user's data stays in finance and realtime)" },
  },
  migrations: identityMigrations,
  createContext: ({ overrides, ...deps }) => createIdentityContext({ ...overrides, ...deps }),
  consumers: subscribeFraudAlerts,
  routes: registerIdentityRoutes,
  // Alone, the other services resolve personal access tokens here; in one process they use the verifier below.
  aloneRoutes: patIntrospectionRoute,
  exportSections: identityExportSections,
  verifier: identityVerifier,
  async prepare(ctx) {
    if (ctx.config.ADMIN_EMAIL === undefined) return;
    const outcome = await ensureAdmin(ctx, ctx.config.ADMIN_EMAIL);
    if (outcome !== 'unchanged') ctx.log.warn({ outcome }, 'administrator from ADMIN_EMAIL; sign in with an emailed code');
  },
  jobs: (ctx) => [
    startLoop(
      async () => {
        await sweepExpired(ctx);
        return SWEEP_INTERVAL_MS;
      },
      { retryMs: SWEEP_INTERVAL_MS, log: ctx.log, name: 'identity sweep' },
    ),
  ],
  drain: (ctx) => ctx.mail.drain(),
  testOverrides: async () => ({
    mailer: new MemoryMailer(),
    keys: await ephemeralSigningKeys(),
    hasher: argon2Hasher(TEST_ARGON2),
    mailRetryDelaysMs: [],
  }),
};
