import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { createLogger, type Database, type EventTransport } from '@expensio/common';
import { openTestDatabase, settleEvents, testRedisUrl } from '@expensio/common/testing';
import { ephemeralSigningKeys, loadIdentityConfig, MemoryMailer } from '@expensio/identity';
import { composeExpensio, type Expensio } from '../src/compose.js';

export interface TestExpensio extends Expensio {
  database: Database;
  /** Waits until every service's outbox is delivered (consumers that publish in turn included). */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The all-in-one over this file's own database, with the transport the test chooses. */
export async function createTestExpensio(transport: EventTransport): Promise<TestExpensio> {
  const config = loadIdentityConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'expensio-all-')),
    RATE_LIMIT_MAX: '1000000',
  });
  const log = createLogger(process.env.EXPENSIO_TEST_LOG === '1' ? 'debug' : 'silent', 'all-in-one-test');
  const database = await openTestDatabase();
  const redisUrl = testRedisUrl();
  const redis = redisUrl === undefined ? undefined : new Redis(redisUrl);
  const expensio = await composeExpensio({
    config,
    // Tests' webhook receivers listen on loopback, which only this explicit switch allows.
    env: { NODE_ENV: 'test', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
    database,
    redis,
    transport,
    log,
    mailer: new MemoryMailer(),
    keys: await ephemeralSigningKeys(),
    redisPrefix: `expensio:test:${randomBytes(6).toString('hex')}:`,
    mailRetryDelaysMs: [],
    background: false,
  });
  await expensio.start();
  return {
    ...expensio,
    database,
    settle: (timeoutMs) => settleEvents([expensio.identity.db, expensio.finance.db, expensio.realtime.db], timeoutMs),
    close: async () => {
      await expensio.stop();
      await transport.close();
      redis?.disconnect();
      await database.close();
    },
  };
}

export interface Member {
  id: string;
  password: string;
  headers: { authorization: string };
}

let counter = 0;

export async function register(t: TestExpensio): Promise<Member> {
  counter += 1;
  const password = 'correct horse battery staple 42';
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email: `member-${String(counter)}-${randomBytes(3).toString('hex')}@example.com`, password },
  });
  if (response.statusCode !== 201) throw new Error(`register: ${response.statusCode} ${response.body}`);
  const body = response.json<{ user: { id: string }; accessToken: string }>();
  return { id: body.user.id, password, headers: { authorization: `Bearer ${body.accessToken}` } };
}

export function call(t: TestExpensio, member: Member, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return t.app.inject({ method, url, headers: member.headers, ...(payload !== undefined && { payload: payload as object }) });
}

/** Something in every service: a session, accounts, a transaction with a mood, a budget, a goal, a debt, a rule, a webhook. */
export async function fillEveryService(t: TestExpensio, member: Member): Promise<void> {
  const writes: [string, unknown][] = [
    ['/api/transactions', { type: 'expense', amount: '12.50', category: 'groceries', mood: { mood: 'happy' } }],
    ['/api/categories', { name: 'Hobbies' }],
    ['/api/budgets', { name: 'Food', amount: '300.00', period: 'monthly', category: 'groceries', startDate: '2026-01-01' }],
    ['/api/goals', { name: 'Bike', targetAmount: '500.00' }],
    ['/api/debts', { name: 'Card', kind: 'credit_card', balance: '900.00', annualRate: '19.9', minimumPayment: '30.00', dueDay: 5 }],
    ['/api/recurring-transactions', { type: 'expense', amount: '9.99', frequency: 'monthly', startDate: '2030-01-01' }],
    ['/api/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['transaction.created'] }],
  ];
  for (const [url, body] of writes) {
    const response = await call(t, member, 'POST', url, body);
    if (response.statusCode !== 201) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  }
}

/** Tables, in every service, that hold rows of a user (`user_id`), and identity's own `users`. */
const USER_TABLES = [
  'identity.sessions',
  'identity.otp_challenges',
  'finance.accounts',
  'finance.categories',
  'finance.transactions',
  'finance.transaction_moods',
  'finance.budgets',
  'finance.goals',
  'finance.debts',
  'finance.recurring_rules',
  'realtime.webhook_endpoints',
] as const;

/** How many rows the user has in each table: a deleted user must have none anywhere. */
export async function rowsOf(t: TestExpensio, userId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of USER_TABLES) {
    const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where user_id = ${userId}::uuid`.execute(t.database.kysely);
    counts[table] = result.rows[0]?.n ?? 0;
  }
  const users = await sql<{ n: number }>`select count(*)::int as n from identity.users where id = ${userId}::uuid`.execute(t.database.kysely);
  counts['identity.users'] = users.rows[0]?.n ?? 0;
  return counts;
}
