import { connect } from 'amqplib';
import { sql } from 'kysely';
import { AmqpTransport, SUBSCRIPTIONS, type EventTransport } from '@expensio/common';
import { buildTestApp, call, newUser, TEST_PASSWORD, type TestApp, type TestAppOptions, type TestUser } from '@expensio/common/testing';
import { allServices } from '../src/services.js';

export type TestExpensio = TestApp;

/**
 * The all-in-one's real app over this file's own database (or the one given, e.g. reached through
 * a proxy a fault test cuts), with the transport the test chooses.
 */
export function createTestExpensio(transport: EventTransport, stores: Pick<TestAppOptions, 'database' | 'redis' | 'tracing'> = {}): Promise<TestExpensio> {
  // Tests' webhook receivers listen on loopback, which only this explicit switch allows.
  return buildTestApp(allServices, { transport, ...stores, env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
}

/** Who calls the all-in-one: a member registered through identity, or a script holding one of their tokens. */
export interface Member {
  id: string;
  /** What their account deletion (or a new token) asks for. */
  password: string;
  headers: { authorization: string };
}

export { call };

/** A registered member of the all-in-one, with the password their account deletion asks for. */
export async function register(t: TestExpensio): Promise<TestUser & Member> {
  const user = await newUser(t);
  return { ...user, password: user.password ?? TEST_PASSWORD };
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

/** The transport's default retry delays, whose queues it declares too. */
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000];

/**
 * A RabbitMQ transport on an exchange of the test's own (`name` unique per run), quick to
 * reconnect, and the cleanup that deletes every queue and exchange it declared, through `adminUrl`
 * (the broker itself, where `url` may go through a proxy).
 */
export function testRabbit(adminUrl: string, url: string, name: string): { transport: AmqpTransport; cleanup: () => Promise<void> } {
  const transport = new AmqpTransport({ url, exchange: `expensio.test.${name}`, reconnectInitialMs: 50, reconnectMaxMs: 300, confirmTimeoutMs: 2_000 });
  const cleanup = async () => {
    const admin = await connect(adminUrl);
    const channel = await admin.createChannel();
    const { names } = transport;
    for (const { consumer } of SUBSCRIPTIONS) {
      await channel.deleteQueue(names.queue(consumer));
      await channel.deleteQueue(names.deadLetterQueue(consumer));
    }
    for (const ms of RETRY_DELAYS_MS) await channel.deleteQueue(names.delayQueue(ms));
    await channel.deleteExchange(names.retryExchange);
    await channel.deleteExchange(names.exchange);
    await admin.close();
  };
  return { transport, cleanup };
}
