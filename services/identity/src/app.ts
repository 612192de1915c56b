import path from 'node:path';
import type { Redis } from 'ioredis';
import {
  DAY_MS,
  createAccessTokenVerifier,
  createEventBus,
  createMetrics,
  forSchema,
  openGeoLocator,
  postgresAttemptLimiter,
  redisAttemptLimiter,
  systemClock,
  type AccessTokenVerifier,
  type Clock,
  type Database,
  type EventTransport,
  type HttpApp,
  type Logger,
  type Metrics,
  withPersonalAccessTokens,
} from '@expensio/common';
import { adminRoutes } from './admin/routes.js';
import { authRoutes } from './auth/routes.js';
import type { IdentityConfig } from './config.js';
import type { IdentityContext } from './context.js';
import { IDENTITY_SCHEMA, type IdentityTables } from './db.js';
import { mailboxMailer, smtpMailer, type Mailer } from './mail/mailer.js';
import { MailQueue } from './mail/queue.js';
import { deleteStaleChallenges } from './otp/repo.js';
import { argon2Hasher, type PasswordHasher } from './passwords/hasher.js';
import { deleteExpiredPats } from './pats/repo.js';
import { patRoutes } from './pats/routes.js';
import { resolvePat } from './pats/service.js';
import { loadSealingKey } from './totp/key.js';
import { loadSigningKeys, type SigningKeys } from './tokens/keys.js';
import { postgresRevocations, redisRevocations } from './tokens/revocations.js';
import { securityRoutes } from './security/routes.js';
import { deleteStaleStepUps } from './security/step-up-repo.js';
import { totpRoutes } from './totp/routes.js';
import { profileRoutes } from './users/routes.js';

export interface IdentityOptions {
  config: IdentityConfig;
  database: Database;
  log: Logger;
  /** Shared by every service of the process (in-process, or RabbitMQ with AMQP_URL). */
  transport: EventTransport;
  redis?: Redis | undefined;
  clock?: Clock;
  /** The app's registry; a context built alone counts on one of its own. */
  metrics?: Metrics;
  mailer?: Mailer;
  keys?: SigningKeys;
  /** Production's Argon2 parameters come from the config; tests hand a cheap hasher. */
  hasher?: PasswordHasher;
  /** Keeps parallel test files apart in one Redis. */
  redisPrefix?: string;
  mailRetryDelaysMs?: number[];
}

export function defaultMailer(config: IdentityConfig, log: Logger): Mailer {
  if (config.SMTP_URL !== undefined) return smtpMailer(config.SMTP_URL, config.MAIL_FROM);
  return mailboxMailer(path.resolve(config.DATA_DIR, 'mailbox'), config.MAIL_FROM, log);
}

/** The hasher with the configured (production) Argon2 parameters. */
export function configuredHasher(config: IdentityConfig): PasswordHasher {
  return argon2Hasher({ memoryKib: config.ARGON2_MEMORY_KIB, timeCost: config.ARGON2_TIME_COST });
}

export async function createIdentityContext(options: IdentityOptions): Promise<IdentityContext> {
  const { config, log } = options;
  const db = forSchema<IdentityTables>(options.database, IDENTITY_SCHEMA);
  const clock = options.clock ?? systemClock;
  const prefix = options.redisPrefix ?? 'expensio:';
  const mailer = options.mailer ?? defaultMailer(config, log);
  log.info({ mail: mailer.description }, 'identity mail transport');
  return {
    db,
    clock,
    config,
    log,
    metrics: options.metrics ?? createMetrics(),
    keys: options.keys ?? (await loadSigningKeys({ pem: config.JWT_PRIVATE_KEY, dataDir: config.DATA_DIR })),
    hasher: options.hasher ?? configuredHasher(config),
    geo: await openGeoLocator(),
    totpKey: loadSealingKey({ key: config.TOTP_SECRET_KEY, dataDir: config.DATA_DIR }),
    limiter: options.redis ? redisAttemptLimiter(options.redis, `${prefix}limit:`) : postgresAttemptLimiter(db),
    revocations: options.redis ? redisRevocations(options.redis, `${prefix}revoked:`) : postgresRevocations(db, () => clock.now()),
    mail: new MailQueue(mailer, log, options.mailRetryDelaysMs),
    bus: createEventBus({ db, transport: options.transport, clock, log }),
  };
}

/** Access JWTs checked against identity's keys and denylist; personal access tokens against its table. */
export function identityVerifier(ctx: IdentityContext): AccessTokenVerifier {
  const verifyJwt = createAccessTokenVerifier({
    issuer: ctx.config.JWT_ISSUER,
    audience: ctx.config.JWT_AUDIENCE,
    keys: ctx.keys.verificationKeys,
    isRevoked: ctx.revocations.check,
    clock: ctx.clock,
  });
  return withPersonalAccessTokens(verifyJwt, (token) => resolvePat(ctx, token));
}

/** The identity routes, for any app that already has the auth plugin. */
export function registerIdentityRoutes(app: HttpApp, ctx: IdentityContext) {
  authRoutes(app, ctx);
  profileRoutes(app, ctx);
  adminRoutes(app, ctx);
  patRoutes(app, ctx);
  totpRoutes(app, ctx);
  securityRoutes(app, ctx);
}

/** Forgets what has expired: denied tokens past their expiry, spent limits, old codes, expired personal access tokens. */
export async function sweepExpired(ctx: IdentityContext): Promise<void> {
  const now = ctx.clock.now();
  const [revoked, limits, codes, tokens, stepUps] = await Promise.all([
    ctx.revocations.sweep(now),
    ctx.limiter.sweep(now, ctx.config.OTP_REQUEST_WINDOW),
    deleteStaleChallenges(ctx.db, new Date(now.getTime() - DAY_MS)),
    deleteExpiredPats(ctx.db, { before: now }),
    deleteStaleStepUps(ctx.db, new Date(now.getTime() - DAY_MS)),
  ]);
  if (revoked + limits + codes + tokens + stepUps > 0) ctx.log.debug({ revoked, limits, codes, tokens, stepUps }, 'swept expired identity rows');
}
