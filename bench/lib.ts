/**
 * Shared by the bench scripts (not tests): databases, the finance app built in-process the way
 * services/finance/test/helpers.ts builds it, and tokens signed with a key the bench holds.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import {
  ACCESS_TOKEN_TYPE,
  authPlugin,
  createAccessTokenVerifier,
  createHttpApp,
  createLogger,
  InProcessTransport,
  migrateUp,
  runEventBuses,
  systemClock,
  type Database,
  type HttpApp,
} from '@expensio/common';
import { createFinanceContext, financeMigrations, registerFinanceRoutes, type FinanceContext } from '@expensio/finance';
import { identityMigrations } from '@expensio/identity';

export const PG_SERVER = process.env.BENCH_PG_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const ISSUER = 'expensio-identity';
export const AUDIENCE = 'expensio';

export function databaseUrl(name: string): string {
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: PG_SERVER });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function recreateDatabase(name: string) {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
}

/** Every service's schema, as apps/all-in-one/src/services.ts lists them. */
export async function migrateAll(db: Kysely<unknown> | Database['kysely']) {
  for (const set of [identityMigrations(), financeMigrations()]) await migrateUp(db as Database['kysely'], set);
}

export async function migrateUrl(url: string) {
  const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
  try {
    await migrateAll(db);
  } finally {
    await db.destroy();
  }
}

export interface SigningKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid: 'bench', alg: 'ES256' },
    publicJwk: { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' },
  };
}

/** An access token as identity would issue it, valid for a day. */
export async function mintToken(key: SigningKey, userId: string): Promise<string> {
  const privateKey = await importJWK(key.privateJwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'user', sid: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', typ: ACCESS_TOKEN_TYPE, kid: 'bench' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(userId)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + 86_400)
    .sign(privateKey);
}

/**
 * The finance API as the all-in-one serves it (same plugins: helmet, CORS, rate limit with a
 * ceiling no run reaches, auth, validation, problem+json), trusting the bench's key. The token
 * denylist check is a no-op here, as in the test helper.
 */
export async function buildBenchApp(
  database: Database,
  options: { publicJwk: JWK; logLevel?: string; scoring?: boolean },
): Promise<{ app: HttpApp; ctx: FinanceContext; stopEvents: () => Promise<void> }> {
  const log = createLogger(options.logLevel ?? 'warn', 'finance-bench');
  // The relay runs as in production, so its work on the outbox is part of what is measured.
  const transport = new InProcessTransport();
  const ctx = createFinanceContext({
    database,
    config: { DEFAULT_CURRENCY: 'USD', IDEMPOTENCY_TTL: 24 * 3_600_000, IMPORT_MAX_BYTES: 200 * 1024 * 1024 },
    log,
    transport,
  });
  if (options.scoring === false) ctx.scoring = false;
  const app = await createHttpApp({
    title: 'finance bench',
    version: '0',
    logger: log,
    trustProxy: [],
    corsOrigins: [],
    rateLimit: { max: 1_000_000_000, windowMs: 60_000 },
    readiness: [],
  });
  await app.register(authPlugin, {
    verify: createAccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: createLocalJWKSet({ keys: [options.publicJwk] }),
      isRevoked: () => Promise.resolve(false),
      clock: systemClock,
    }),
  });
  registerFinanceRoutes(app, ctx);
  await app.ready();
  const stopEvents = await runEventBuses(transport, [ctx.bus]);
  return { app, ctx, stopEvents };
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** Samples RSS while work runs: the peak is what "memory flat in the file's size" is about. */
export function rssSampler(intervalMs = 25) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

export { BUDGETED } from './users.js';
