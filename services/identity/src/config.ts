import { z } from 'zod';
import { addConfigProblems, baseConfigShape, duration, loadConfig, sealingKey, type ServiceConfig } from '@expensio/common';

/** Identity's own variables; the base ones (JWT_ISSUER and JWT_AUDIENCE among them) come from common. */
export const identityConfigShape = {
  /** PKCS#8 PEM of a P-256 key. Without it the key lives in DATA_DIR, made on first start. */
  JWT_PRIVATE_KEY: z.string().includes('PRIVATE KEY', { message: 'must be a PKCS#8 PEM private key' }).optional(),
  ACCESS_TOKEN_TTL: duration.default(15 * 60_000),
  REFRESH_TOKEN_TTL: duration.default(30 * 86_400_000),
  /**
   * How long a just-rotated refresh token still buys a pair (two tabs refreshing at once); after
   * it, presenting it is theft. Capped because within it a stolen copy goes unnoticed.
   */
  REFRESH_REUSE_INTERVAL: duration.pipe(z.number().max(60_000, { message: 'must be at most 1m' })).default(10_000),
  OTP_TTL: duration.default(5 * 60_000),
  OTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  OTP_REQUEST_LIMIT: z.coerce.number().int().min(1).max(100).default(3),
  OTP_REQUEST_WINDOW: duration.default(15 * 60_000),
  OTP_LOCKOUT: duration.default(15 * 60_000),
  // Credential checks (passwords and emailed codes); docs/security-limits.md says why these numbers.
  /** Free failures per (account, client IP) before that pair is delayed. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_DELAY_BASE: duration.default(1_000),
  LOGIN_DELAY_MAX: duration.default(15 * 60_000),
  LOGIN_IP_MAX_FAILURES: z.coerce.number().int().min(1).max(100_000).default(50),
  /** Window of LOGIN_IP_MAX_FAILURES. */
  LOGIN_FAILURE_WINDOW: duration.default(15 * 60_000),
  /** NIST 800-63B allows at most 100 consecutive failures on one account. */
  LOGIN_ACCOUNT_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(100),
  LOGIN_ACCOUNT_HOLD: duration.default(15 * 60_000),
  LOGIN_ACCOUNT_HOLD_MAX: duration.default(24 * 3_600_000),
  /** How long a failure counts towards the pair and account counters when no success follows. */
  LOGIN_FAILURE_MEMORY: duration.default(30 * 86_400_000),
  REGISTRATION_IP_LIMIT: z.coerce.number().int().min(1).max(100_000).default(10),
  REGISTRATION_IP_WINDOW: duration.default(3_600_000),
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(19_456).default(19_456),
  ARGON2_TIME_COST: z.coerce.number().int().min(2).default(2),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().default('Expensio <no-reply@expensio.local>'),
  /** A correct password whose sign-in scores at least this (0-100, docs/security-monitoring.md) must pass a second step. */
  STEP_UP_THRESHOLD: z.coerce.number().int().min(1).max(100).default(50),
  /**
   * Seals TOTP secrets at rest (AES-256-GCM). Required in production with DATABASE_URL; otherwise a
   * key is made on first start and kept in DATA_DIR, as the token signing key is.
   */
  TOTP_SECRET_KEY: sealingKey.optional(),
  /** The first admin. Never granted by self-registration; see README "Administrators". */
  ADMIN_EMAIL: z.email().optional(),
};

export type IdentityConfig = ServiceConfig<typeof identityConfigShape>;

/** Production's rules across variables, as `VARIABLE: message` lines. */
export function checkIdentityConfig(config: IdentityConfig): string[] {
  if (config.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (config.SMTP_URL === undefined) problems.push('SMTP_URL: is required in production (mail is never dropped or kept in a folder there)');
  if (config.DATABASE_URL !== undefined && config.JWT_PRIVATE_KEY === undefined) {
    problems.push('JWT_PRIVATE_KEY: is required in production with DATABASE_URL, so every replica signs with the same key');
  }
  if (config.DATABASE_URL !== undefined && config.TOTP_SECRET_KEY === undefined) {
    problems.push('TOTP_SECRET_KEY: is required in production with DATABASE_URL, so every replica opens the sealed authenticator secrets');
  }
  return problems;
}

export const identityConfigSchema = z.object({ ...baseConfigShape, ...identityConfigShape }).superRefine((config, ctx) => {
  addConfigProblems(ctx, checkIdentityConfig(config));
});

export function loadIdentityConfig(env: NodeJS.ProcessEnv = process.env): IdentityConfig {
  return loadConfig(identityConfigSchema, env);
}
