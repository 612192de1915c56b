import { randomUUID } from 'node:crypto';
import {
  authPlugin,
  createHttpApp,
  createLogger,
  InProcessTransport,
  runEventBuses,
  type Database,
  type HttpApp,
} from '@expensio/common';
import { ManualClock, createTestTokenIssuer, openTestDatabase, settleEvents } from '@expensio/common/testing';
import { createFinanceContext, registerFinanceRoutes, type FinanceContext } from '../src/index.js';

export interface TestFinance {
  app: HttpApp;
  ctx: FinanceContext;
  clock: ManualClock;
  database: Database;
  /** A new user and an access token for them, as identity would issue it. */
  newUser(): Promise<TestUser>;
  /** The process's event transport: a test publishes other services' events through a bus on it. */
  transport: InProcessTransport;
  /** Waits until every event finance published has reached its consumers (budget thresholds are one). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface TestUser {
  id: string;
  token: string;
  headers: { authorization: string };
}

/** Finance over this file's own database, trusting tokens signed by a key the test holds. */
export async function createTestFinance(options: { start?: string; defaultCurrency?: string } = {}): Promise<TestFinance> {
  const database = await openTestDatabase();
  const clock = new ManualClock(options.start ?? '2026-03-15T12:00:00.000Z');
  const log = createLogger('silent', 'finance-test');
  const transport = new InProcessTransport();
  const ctx = createFinanceContext({
    database,
    config: { DEFAULT_CURRENCY: options.defaultCurrency ?? 'USD', IDEMPOTENCY_TTL: 24 * 3_600_000 },
    log,
    clock,
    transport,
  });
  const tokens = await createTestTokenIssuer(clock);
  const app = await createHttpApp({
    title: 'finance test',
    version: '0',
    logger: process.env.FINANCE_TEST_LOG === '1' ? createLogger('error', 'finance-test') : false,
    trustProxy: [],
    corsOrigins: [],
    rateLimit: { max: 1_000_000, windowMs: 60_000 },
    readiness: [],
  });
  await app.register(authPlugin, { verify: tokens.verify });
  registerFinanceRoutes(app, ctx);
  await app.ready();
  const stopEvents = await runEventBuses(transport, [ctx.bus]);

  const newUser = async (): Promise<TestUser> => {
    const id = randomUUID();
    // Long-lived by default, so tests may move the clock across months.
    const token = await tokens.mint({ userId: id });
    return { id, token, headers: { authorization: `Bearer ${token}` } };
  };

  return {
    app,
    ctx,
    clock,
    database,
    newUser,
    transport,
    settle: () => settleEvents([ctx.db]),
    close: async () => {
      await app.close();
      await stopEvents();
      await database.close();
    },
  };
}

/** Shorthand for an authenticated JSON call. */
export function call(t: TestFinance, user: TestUser, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method, url, headers: { ...user.headers, ...headers }, ...(payload !== undefined && { payload: payload as object }) });
}
