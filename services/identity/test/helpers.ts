import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createLogger, InProcessTransport, runEventBuses, type Database, type HttpApp } from '@expensio/common';
import { ManualClock, openTestDatabase, settleEvents, testRedisUrl } from '@expensio/common/testing';
import {
  buildIdentityApp,
  createIdentityContext,
  ephemeralSigningKeys,
  loadIdentityConfig,
  MemoryMailer,
  type IdentityContext,
} from '../src/index.js';

export interface TestIdentity {
  app: HttpApp;
  ctx: IdentityContext;
  clock: ManualClock;
  mailer: MemoryMailer;
  database: Database;
  redis: Redis | undefined;
  /** Waits until every event identity published has reached its consumers. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Identity over this file's own database, with a clock tests move and mail kept in memory. */
export async function createTestIdentity(env: Record<string, string> = {}): Promise<TestIdentity> {
  const config = loadIdentityConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'expensio-identity-')),
    RATE_LIMIT_MAX: '100000',
    ...env,
  });
  const log = createLogger(config.LOG_LEVEL, 'identity-test');
  const database = await openTestDatabase();
  const redisUrl = testRedisUrl();
  const redis = redisUrl === undefined ? undefined : new Redis(redisUrl);
  const clock = new ManualClock(new Date());
  const mailer = new MemoryMailer();
  const transport = new InProcessTransport();
  const ctx = await createIdentityContext({
    config,
    database,
    redis,
    log,
    clock,
    mailer,
    transport,
    keys: await ephemeralSigningKeys(),
    redisPrefix: `expensio:test:${randomBytes(6).toString('hex')}:`,
    mailRetryDelaysMs: [],
  });
  const app = await buildIdentityApp(ctx, { database, redis, logger: false });
  await app.ready();
  const stopEvents = await runEventBuses(transport, [ctx.bus]);
  return {
    app,
    ctx,
    clock,
    mailer,
    database,
    redis,
    settle: () => settleEvents([ctx.db]),
    close: async () => {
      await app.close();
      await stopEvents();
      await ctx.mail.drain();
      redis?.disconnect();
      await database.close();
    },
  };
}

let counter = 0;

/** A unique address per call, so tests in one file never share limits or accounts. */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${counter}-${randomBytes(3).toString('hex')}@example.com`;
}

export const STRONG_PASSWORD = 'correct horse battery staple 42';

export interface Registered {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export async function registerUser(t: TestIdentity, overrides: { email?: string; password?: string; name?: string } = {}): Promise<Registered> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? STRONG_PASSWORD;
  const response = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password, ...(overrides.name && { name: overrides.name }) } });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
  const body = response.json<{ user: { id: string }; accessToken: string; refreshToken: string }>();
  return { id: body.user.id, email, password, accessToken: body.accessToken, refreshToken: body.refreshToken };
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

/** The code in the newest mail to this address, after queued mail has gone out. */
export async function lastCode(t: TestIdentity, email: string): Promise<string> {
  await t.ctx.mail.drain();
  const mail = t.mailer.lastTo(email);
  const code = mail ? /\b(\d{6})\b/.exec(mail.text)?.[1] : undefined;
  if (code === undefined) throw new Error(`no code was mailed to ${email}`);
  return code;
}

export async function requestCode(t: TestIdentity, email: string, purpose: 'login' | 'password_reset' = 'login') {
  return t.app.inject({ method: 'POST', url: '/api/auth/otp/request', payload: { email, purpose } });
}
