import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InProcessTransport, openPostgres } from '@expensio/common';
import { createFinanceContext, runScheduler, startScheduler } from '../src/index.js';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

const RULES = '/api/recurring-transactions';
const OTHER_ID = '0190a000-0000-7000-8000-000000000000';
const START = '2026-03-15T12:00:00.000Z';

beforeEach(() => {
  t.clock.set(START);
});
// The scheduler serves every user of the database: no rule outlives its test. Posted transactions stay.
afterEach(async () => {
  await t.ctx.db.deleteFrom('recurring_rules').execute();
});

async function newRule(user: TestUser, body: Record<string, unknown>) {
  const response = await call(t, user, 'POST', RULES, { type: 'expense', amount: '10.00', frequency: 'monthly', ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/**
 * A rule created the day before its start (the clock then set back): nothing is due at creation,
 * so what the scheduler posts later is all there is to see.
 */
async function ruleAhead(user: TestUser, body: Record<string, unknown> & { startDate: string }) {
  const now = t.clock.now();
  t.clock.set(new Date(Date.parse(`${body.startDate}T12:00:00Z`) - 86_400_000));
  try {
    return await newRule(user, body);
  } finally {
    t.clock.set(now);
  }
}

/** Occurrence dates posted for a rule, with how many transactions each has. */
async function posted(ruleId: string) {
  const rows = await t.ctx.db
    .selectFrom('transactions')
    .select([sql<string>`occurrence_date::text`.as('date'), sql<number>`count(*)::int`.as('n')])
    .where('recurring_rule_id', '=', ruleId)
    .groupBy('occurrence_date')
    .orderBy('occurrence_date')
    .execute();
  for (const row of rows) expect(row.n, `occurrence ${row.date} posted ${row.n} times`).toBe(1);
  return rows.map((r) => r.date);
}

async function drain(options: { limit?: number } = {}) {
  let total = 0;
  for (;;) {
    const run = await runScheduler(t.ctx, options);
    total += run.posted;
    if (!run.more) return total;
  }
}

function daysFrom(start: string, n: number) {
  return Array.from({ length: n }, (_, i) => new Date(Date.parse(`${start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
}

describe('/api/recurring-transactions', () => {
  it('creates a rule with the template fields flat beside the schedule, reads, lists, changes and deletes it', async () => {
    const user = await newUser(t);
    const created = await newRule(user, {
      amount: '1250.00',
      category: 'rent',
      description: 'Flat',
      merchant: 'Landlord',
      tags: ['home', 'home'],
      frequency: 'monthly',
      startDate: '2026-04-01',
      count: 12,
    });
    const main = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
    expect(created).toMatchObject({
      accountId: main.id,
      type: 'expense',
      amount: '1250.00',
      currency: 'USD',
      category: 'rent',
      description: 'Flat',
      merchant: 'Landlord',
      tags: ['home'],
      frequency: 'monthly',
      interval: 1,
      startDate: '2026-04-01',
      endDate: null,
      count: 12,
      paused: false,
      nextOccurrence: '2026-04-01',
      lastError: null,
    });
    expect((await call(t, user, 'GET', `${RULES}/${created.id}`)).json()).toEqual(created);

    const changed = await call(t, user, 'PATCH', `${RULES}/${created.id}`, { amount: '1300', description: null, tags: [] });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ amount: '1300.00', description: null, tags: [], nextOccurrence: '2026-04-01' });

    await newRule(user, { frequency: 'weekly' });
    await newRule(user, { frequency: 'daily', startDate: '2026-05-01' });
    const first = (await call(t, user, 'GET', `${RULES}?limit=2`)).json();
    expect(first.items).toHaveLength(2);
    const second = (await call(t, user, 'GET', `${RULES}?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items.map((r: { id: string }) => r.id)).toEqual([created.id]);
    expect(second.nextCursor).toBeNull();

    expect((await call(t, user, 'DELETE', `${RULES}/${created.id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'GET', `${RULES}/${created.id}`)).statusCode).toBe(404);
    expect((await call(t, user, 'DELETE', `${RULES}/${created.id}`)).statusCode).toBe(404);
  });

  it('a rule posting an expense to an income category (or the reverse) is a 422, created or changed', async () => {
    const user = await newUser(t);
    const refused = await call(t, user, 'POST', RULES, { type: 'expense', amount: '10.00', frequency: 'monthly', category: 'salary' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'category_type_mismatch' });
    const rent = await newRule(user, { category: 'rent' });
    expect((await call(t, user, 'PATCH', `${RULES}/${rent.id}`, { type: 'income' })).json()).toMatchObject({ status: 422, code: 'category_type_mismatch' });
    expect((await call(t, user, 'PATCH', `${RULES}/${rent.id}`, { category: 'salary' })).json()).toMatchObject({ status: 422, code: 'category_type_mismatch' });
  });

  it('uses the given account and its currency; another currency is 422', async () => {
    const user = await newUser(t);
    const euro = (await call(t, user, 'POST', '/api/accounts', { name: 'Euro', type: 'checking', currency: 'EUR' })).json();
    const rule = await newRule(user, { accountId: euro.id, amount: 9.99, frequency: 'yearly' });
    expect(rule).toMatchObject({ accountId: euro.id, currency: 'EUR', amount: '9.99', startDate: '2026-03-15' });
    const mismatch = await call(t, user, 'POST', RULES, { accountId: euro.id, currency: 'USD', type: 'expense', amount: '1', frequency: 'daily' });
    expect(mismatch.statusCode).toBe(422);
    const main = (await call(t, user, 'GET', '/api/accounts')).json().items.find((a: { isDefault: boolean }) => a.isDefault);
    expect((await call(t, user, 'PATCH', `${RULES}/${rule.id}`, { accountId: main.id })).statusCode).toBe(422);
  });

  it('refuses bad input with 400 naming the fields, and writes nothing', async () => {
    const user = await newUser(t);
    const bad = await call(t, user, 'POST', RULES, {
      type: 'transfer',
      amount: '5',
      frequency: 'hourly',
      interval: 0,
      startDate: '2026-02-30',
      count: -1,
      color: 'red',
    });
    expect(bad.statusCode).toBe(400);
    const text = JSON.stringify(bad.json().errors);
    for (const field of ['type', 'frequency', 'interval', 'startDate', 'count', 'color']) expect(text).toContain(field);

    const backwards = await call(t, user, 'POST', RULES, { type: 'expense', amount: '5', frequency: 'daily', startDate: '2026-04-01', endDate: '2026-03-01' });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().errors[0]).toMatchObject({ field: 'endDate' });
    const ancient = await call(t, user, 'POST', RULES, { type: 'expense', amount: '5', frequency: 'yearly', startDate: '1990-05-01' });
    expect(ancient.statusCode).toBe(400);
    expect(ancient.json().errors[0]).toMatchObject({ field: 'startDate' });
    const precise = await call(t, user, 'POST', RULES, { type: 'expense', amount: '5.001', frequency: 'daily' });
    expect(precise.statusCode).toBe(400);
    expect(precise.json().errors[0]).toMatchObject({ field: 'amount' });
    expect((await call(t, user, 'GET', RULES)).json().items).toHaveLength(0);

    const rule = await newRule(user, { frequency: 'daily', paused: true });
    expect((await call(t, user, 'PATCH', `${RULES}/${rule.id}`, {})).statusCode).toBe(400);
    const badPatch = await call(t, user, 'PATCH', `${RULES}/${rule.id}`, { amount: '0', paused: false });
    expect(badPatch.statusCode).toBe(400);
    expect(badPatch.json().errors[0]).toMatchObject({ field: 'amount' });
    expect((await call(t, user, 'PATCH', `${RULES}/${rule.id}`, { endDate: '2026-01-01' })).statusCode).toBe(400);
    expect((await call(t, user, 'GET', `${RULES}/${rule.id}`)).json()).toEqual(rule);
    expect((await call(t, user, 'GET', `${RULES}/${rule.id}/upcoming?limit=0`)).statusCode).toBe(400);
    expect((await call(t, user, 'GET', `${RULES}/not-an-id`)).statusCode).toBe(400);
  });

  it('another user’s rule is 404 on every route, and so is another user’s account or category in a body', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const rule = await newRule(alice, { frequency: 'weekly' });
    for (const [method, url, body] of [
      ['GET', `${RULES}/${rule.id}`],
      ['PATCH', `${RULES}/${rule.id}`, { amount: '1.00' }],
      ['DELETE', `${RULES}/${rule.id}`],
      ['POST', `${RULES}/${rule.id}/pause`],
      ['POST', `${RULES}/${rule.id}/resume`],
      ['GET', `${RULES}/${rule.id}/upcoming`],
      ['GET', `${RULES}/${OTHER_ID}`],
    ] as const) {
      expect((await call(t, bob, method, url, body)).statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await call(t, bob, 'GET', RULES)).json().items).toHaveLength(0);

    const account = (await call(t, alice, 'POST', '/api/accounts', { name: 'Alice savings', type: 'savings' })).json();
    const category = (await call(t, alice, 'POST', '/api/categories', { name: 'Alice only' })).json();
    expect((await call(t, bob, 'POST', RULES, { accountId: account.id, type: 'expense', amount: '1', frequency: 'daily' })).statusCode).toBe(404);
    expect((await call(t, bob, 'POST', RULES, { category: category.id, type: 'expense', amount: '1', frequency: 'daily' })).statusCode).toBe(404);
    const bobs = await newRule(bob, { frequency: 'daily' });
    expect((await call(t, bob, 'PATCH', `${RULES}/${bobs.id}`, { accountId: account.id })).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', RULES)).json().items).toHaveLength(1);
    expect((await call(t, alice, 'GET', `${RULES}/${rule.id}`)).json()).toEqual(rule);
  });

  it('lists the upcoming dates, month-end rules on the last day of shorter months', async () => {
    const user = await newUser(t);
    const rule = await ruleAhead(user, { startDate: '2026-01-31' });
    const upcoming = (await call(t, user, 'GET', `${RULES}/${rule.id}/upcoming?limit=5`)).json();
    // Not posted yet: the overdue ones come first.
    expect(upcoming.items.map((o: { date: string }) => o.date)).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31']);
    expect(upcoming.items[0].occurredAt).toBe('2026-01-31T00:00:00.000Z');
    await runScheduler(t.ctx);
    const after = (await call(t, user, 'GET', `${RULES}/${rule.id}/upcoming?limit=3`)).json();
    expect(after).toMatchObject({ ruleId: rule.id, paused: false });
    expect(after.items.map((o: { date: string }) => o.date)).toEqual(['2026-03-31', '2026-04-30', '2026-05-31']);
    expect((await call(t, user, 'GET', `${RULES}/${rule.id}/upcoming`)).json().items).toHaveLength(10);
  });
});

describe('the scheduler', () => {
  it('posts each due occurrence once as a real transaction dated at 00:00 UTC', async () => {
    const user = await newUser(t);
    const rule = await ruleAhead(user, {
      type: 'income',
      amount: '2500.50',
      category: 'salary',
      merchant: 'Employer',
      tags: ['pay'],
      frequency: 'monthly',
      startDate: '2026-02-15',
    });
    const first = await runScheduler(t.ctx);
    expect(first).toMatchObject({ posted: 2, duplicates: 0, failed: 0, more: false });
    expect(await runScheduler(t.ctx)).toMatchObject({ posted: 0 });

    const items = (await call(t, user, 'GET', '/api/transactions')).json().items;
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({
      type: 'income',
      amount: '2500.50',
      currency: 'USD',
      category: 'salary',
      merchant: 'Employer',
      tags: ['pay'],
      occurredAt: '2026-03-15T00:00:00.000Z',
      recurringRuleId: rule.id,
    });
    expect(items[1].occurredAt).toBe('2026-02-15T00:00:00.000Z');
    expect((await call(t, user, 'GET', '/api/accounts')).json().items[0].balance).toBe('5001.00');
    expect((await call(t, user, 'GET', `${RULES}/${rule.id}`)).json().nextOccurrence).toBe('2026-04-15');

    // An occurrence is due from 00:00 UTC of its date.
    t.clock.set('2026-04-14T23:59:59.999Z');
    expect((await runScheduler(t.ctx)).posted).toBe(0);
    t.clock.set('2026-04-15T00:00:00.000Z');
    expect((await runScheduler(t.ctx)).posted).toBe(1);
    expect(await posted(rule.id)).toEqual(['2026-02-15', '2026-03-15', '2026-04-15']);
  });

  it('a rule on the 31st posts on the last day of shorter months and on the 31st after them', async () => {
    const user = await newUser(t);
    const rule = await newRule(user, { startDate: '2026-01-31' });
    for (let month = 1; month <= 13; month += 1) {
      t.clock.set(new Date(Date.UTC(2026, month, 0, 8)));
      await runScheduler(t.ctx);
    }
    expect(await posted(rule.id)).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
      '2026-06-30',
      '2026-07-31',
      '2026-08-31',
      '2026-09-30',
      '2026-10-31',
      '2026-11-30',
      '2026-12-31',
      '2027-01-31',
    ]);
    t.clock.set('2024-02-01T00:00:00Z');
    const leap = await newRule(user, { frequency: 'yearly', startDate: '2024-02-29' });
    t.clock.set('2029-03-01T00:00:00Z');
    await drain();
    expect(await posted(leap.id)).toEqual(['2024-02-29', '2025-02-28', '2026-02-28', '2027-02-28', '2028-02-29', '2029-02-28']);
  });

  it('catches up everything missed during downtime, a bounded number per rule per run', async () => {
    const user = await newUser(t);
    const rule = await ruleAhead(user, { frequency: 'daily', startDate: '2026-03-15' });
    expect((await runScheduler(t.ctx)).posted).toBe(1);
    // Down for 40 days.
    t.clock.set('2026-04-24T06:00:00Z');
    const runs = [];
    for (let i = 0; i < 4; i += 1) runs.push(await runScheduler(t.ctx, { limit: 15 }));
    expect(runs.map((r) => [r.posted, r.more])).toEqual([
      [15, true],
      [15, true],
      [10, false],
      [0, false],
    ]);
    expect(await posted(rule.id)).toEqual(daysFrom('2026-03-15', 41));
  });

  it('two schedulers running at once post nothing twice', async () => {
    const user = await newUser(t);
    const rules = [];
    for (let i = 0; i < 4; i += 1) rules.push(await ruleAhead(user, { frequency: 'daily', startDate: '2026-02-23' }));
    const results = await Promise.all([runScheduler(t.ctx, { limit: 7 }), runScheduler(t.ctx, { limit: 7 }), runScheduler(t.ctx, { limit: 7 })]);
    let total = results.reduce((sum, r) => sum + r.posted, 0);
    for (;;) {
      const more = await Promise.all([runScheduler(t.ctx, { limit: 7 }), runScheduler(t.ctx, { limit: 7 })]);
      total += more.reduce((sum, r) => sum + r.posted, 0);
      if (more.every((r) => !r.more)) break;
    }
    expect(total).toBe(4 * 21);
    for (const rule of rules) expect(await posted(rule.id)).toEqual(daysFrom('2026-02-23', 21));
  });

  it('two instances over separate connections post each occurrence once (PostgreSQL)', async (context) => {
    // The test database exposes its url only on PostgreSQL; PGlite has one connection.
    const url = 'url' in t.database && typeof t.database.url === 'string' ? t.database.url : undefined;
    if (url === undefined) context.skip();
    const other = openPostgres(url ?? '', 5);
    try {
      const second = createFinanceContext({ database: other, config: t.ctx.config, log: t.ctx.log, clock: t.clock, transport: new InProcessTransport() });
      const user = await newUser(t);
      const rules = [];
      for (let i = 0; i < 6; i += 1) rules.push(await ruleAhead(user, { frequency: 'daily', startDate: '2026-01-14' }));
      let total = 0;
      for (;;) {
        const runs = await Promise.all([runScheduler(t.ctx, { limit: 10 }), runScheduler(second, { limit: 10 }), runScheduler(second, { limit: 10 })]);
        total += runs.reduce((sum, r) => sum + r.posted, 0);
        if (runs.every((r) => !r.more)) break;
      }
      expect(total).toBe(6 * 61);
      for (const rule of rules) expect(await posted(rule.id)).toEqual(daysFrom('2026-01-14', 61));
    } finally {
      await other.close();
    }
  });

  it('an occurrence already posted is skipped, not an error; one the user deleted is not posted again', async () => {
    const user = await newUser(t);
    const rule = await ruleAhead(user, { frequency: 'weekly', startDate: '2026-02-22' });
    expect((await runScheduler(t.ctx)).posted).toBe(4);
    // A cursor that lost track (as a racing instance would see it): the unique key holds.
    await t.ctx.db.updateTable('recurring_rules').set({ next_index: 0, next_date: '2026-02-22' }).where('id', '=', rule.id).execute();
    expect(await runScheduler(t.ctx)).toMatchObject({ posted: 0, duplicates: 4, failed: 0 });
    expect(await posted(rule.id)).toEqual(['2026-02-22', '2026-03-01', '2026-03-08', '2026-03-15']);

    const last = (await call(t, user, 'GET', '/api/transactions')).json().items[0];
    expect((await call(t, user, 'DELETE', `/api/transactions/${last.id}`)).statusCode).toBe(204);
    expect((await runScheduler(t.ctx)).posted).toBe(0);
    expect(await posted(rule.id)).toEqual(['2026-02-22', '2026-03-01', '2026-03-08']);
  });

  it('count and endDate stop a rule', async () => {
    const user = await newUser(t);
    const counted = await newRule(user, { startDate: '2026-01-31', count: 3 });
    const ended = await newRule(user, { frequency: 'weekly', startDate: '2026-03-01', endDate: '2026-03-29' });
    t.clock.set('2027-01-01T00:00:00Z');
    await drain();
    expect(await posted(counted.id)).toEqual(['2026-01-31', '2026-02-28', '2026-03-31']);
    expect(await posted(ended.id)).toEqual(['2026-03-01', '2026-03-08', '2026-03-15', '2026-03-22', '2026-03-29']);
    expect((await call(t, user, 'GET', `${RULES}/${counted.id}`)).json().nextOccurrence).toBeNull();
    expect((await call(t, user, 'GET', `${RULES}/${counted.id}/upcoming`)).json().items).toEqual([]);
    // Re-opening a finished schedule starts from today: nothing between is back-posted.
    const reopened = (await call(t, user, 'PATCH', `${RULES}/${counted.id}`, { count: null })).json();
    expect(reopened.nextOccurrence).toBe('2027-01-31');
  });

  it('pausing stops posting; resuming does not back-post the paused stretch', async () => {
    const user = await newUser(t);
    const rule = await newRule(user, { frequency: 'daily', startDate: '2026-03-14' });
    await runScheduler(t.ctx);
    const paused = await call(t, user, 'POST', `${RULES}/${rule.id}/pause`);
    expect(paused.json()).toMatchObject({ paused: true, nextOccurrence: null });
    expect((await call(t, user, 'GET', `${RULES}/${rule.id}/upcoming`)).json()).toMatchObject({ paused: true, items: [] });
    t.clock.set('2026-03-20T09:00:00Z');
    expect((await runScheduler(t.ctx)).posted).toBe(0);
    const resumed = await call(t, user, 'POST', `${RULES}/${rule.id}/resume`);
    expect(resumed.json()).toMatchObject({ paused: false, nextOccurrence: '2026-03-20' });
    await runScheduler(t.ctx);
    expect(await posted(rule.id)).toEqual(['2026-03-14', '2026-03-15', '2026-03-20']);

    // The same through PATCH, and pausing twice is harmless.
    expect((await call(t, user, 'PATCH', `${RULES}/${rule.id}`, { paused: true })).json().paused).toBe(true);
    expect((await call(t, user, 'POST', `${RULES}/${rule.id}/pause`)).statusCode).toBe(200);
    t.clock.set('2026-03-23T09:00:00Z');
    expect((await call(t, user, 'PATCH', `${RULES}/${rule.id}`, { paused: false })).json()).toMatchObject({ paused: false, nextOccurrence: '2026-03-23' });
    await runScheduler(t.ctx);
    expect(await posted(rule.id)).toEqual(['2026-03-14', '2026-03-15', '2026-03-20', '2026-03-23']);
  });

  it('resuming still posts what was owed from before the pause', async () => {
    const user = await newUser(t);
    // Created paused would post nothing; this one is due since Mar 10 but the scheduler has not run yet.
    const rule = await ruleAhead(user, { frequency: 'daily', startDate: '2026-03-10' });
    await call(t, user, 'POST', `${RULES}/${rule.id}/pause`);
    t.clock.set('2026-03-18T10:00:00Z');
    await call(t, user, 'POST', `${RULES}/${rule.id}/resume`);
    expect((await call(t, user, 'GET', `${RULES}/${rule.id}/upcoming?limit=8`)).json().items.map((o: { date: string }) => o.date)).toEqual([
      '2026-03-10',
      '2026-03-11',
      '2026-03-12',
      '2026-03-13',
      '2026-03-14',
      '2026-03-15',
      '2026-03-18',
      '2026-03-19',
    ]);
    await runScheduler(t.ctx);
    expect(await posted(rule.id)).toEqual(['2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15', '2026-03-18']);
  });

  it('a rule created paused posts nothing dated before the day it is resumed', async () => {
    const user = await newUser(t);
    const rule = await newRule(user, { frequency: 'daily', startDate: '2026-03-01', paused: true });
    expect(rule).toMatchObject({ paused: true, nextOccurrence: null });
    expect((await runScheduler(t.ctx)).posted).toBe(0);
    t.clock.set('2026-03-18T10:00:00Z');
    expect((await call(t, user, 'POST', `${RULES}/${rule.id}/resume`)).json().nextOccurrence).toBe('2026-03-18');
    await runScheduler(t.ctx);
    expect(await posted(rule.id)).toEqual(['2026-03-18']);
  });

  it('a schedule change applies from today', async () => {
    const user = await newUser(t);
    const rule = await newRule(user, { startDate: '2026-01-15' });
    await runScheduler(t.ctx);
    t.clock.set('2026-03-20T10:00:00Z');
    const weekly = (await call(t, user, 'PATCH', `${RULES}/${rule.id}`, { frequency: 'weekly', startDate: '2026-01-01' })).json();
    expect(weekly).toMatchObject({ frequency: 'weekly', startDate: '2026-01-01', nextOccurrence: '2026-03-26' });
    t.clock.set('2026-04-02T10:00:00Z');
    await runScheduler(t.ctx);
    expect(await posted(rule.id)).toEqual(['2026-01-15', '2026-02-15', '2026-03-15', '2026-03-26', '2026-04-02']);
  });

  it('deleting a rule keeps the transactions it posted', async () => {
    const user = await newUser(t);
    const rule = await newRule(user, { frequency: 'weekly', startDate: '2026-03-01' });
    await runScheduler(t.ctx);
    expect((await call(t, user, 'DELETE', `${RULES}/${rule.id}`)).statusCode).toBe(204);
    const items = (await call(t, user, 'GET', '/api/transactions')).json().items;
    expect(items.map((i: { occurredAt: string }) => i.occurredAt)).toEqual([
      '2026-03-15T00:00:00.000Z',
      '2026-03-08T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
    ]);
    expect(items.every((i: { recurringRuleId: string | null }) => i.recurringRuleId === null)).toBe(true);
  });

  it('a rule that cannot post records why, leaves the others alone, and catches up once it can', async () => {
    const user = await newUser(t);
    const cash = (await call(t, user, 'POST', '/api/accounts', { name: 'Cash', type: 'cash' })).json();
    const blocked = await ruleAhead(user, { accountId: cash.id, frequency: 'daily', startDate: '2026-03-14' });
    const fine = await ruleAhead(user, { frequency: 'daily', startDate: '2026-03-14' });
    await call(t, user, 'PATCH', `/api/accounts/${cash.id}`, { archived: true });
    expect(await runScheduler(t.ctx)).toMatchObject({ posted: 2, failed: 1 });
    expect((await call(t, user, 'GET', `${RULES}/${blocked.id}`)).json().lastError).toContain('archived');
    expect(await posted(fine.id)).toEqual(['2026-03-14', '2026-03-15']);
    await call(t, user, 'PATCH', `/api/accounts/${cash.id}`, { archived: false });
    expect(await runScheduler(t.ctx)).toMatchObject({ posted: 2, failed: 0 });
    expect(await posted(blocked.id)).toEqual(['2026-03-14', '2026-03-15']);
    expect((await call(t, user, 'GET', `${RULES}/${blocked.id}`)).json().lastError).toBeNull();
  });

  it('startScheduler catches up at once and its stop waits for the run in progress', async () => {
    const user = await newUser(t);
    const rule = await ruleAhead(user, { frequency: 'daily', startDate: '2026-03-01' });
    const runs: number[] = [];
    const stop = startScheduler(t.ctx, 3_600_000, { onRun: (run) => runs.push(run.posted) });
    await stop();
    expect(runs).toEqual([15]);
    expect(await posted(rule.id)).toHaveLength(15);
  });

  it('startScheduler runs again every interval until stopped', async () => {
    const user = await newUser(t);
    const rule = await ruleAhead(user, { frequency: 'daily', startDate: '2026-03-15' });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const runs: number[] = [];
      let ran = () => {};
      const nextRun = () =>
        new Promise<void>((resolve) => {
          ran = resolve;
        });
      let waiting = nextRun();
      const stop = startScheduler(t.ctx, 60_000, {
        onRun: (run) => {
          runs.push(run.posted);
          ran();
        },
      });
      await waiting;
      expect(runs).toEqual([1]);
      t.clock.set('2026-03-16T00:00:30Z');
      waiting = nextRun();
      await vi.advanceTimersByTimeAsync(59_000);
      expect(runs).toEqual([1]);
      await vi.advanceTimersByTimeAsync(1_000);
      await waiting;
      expect(runs).toEqual([1, 1]);
      await stop();
      t.clock.set('2026-03-17T00:00:30Z');
      await vi.advanceTimersByTimeAsync(120_000);
      expect(runs).toEqual([1, 1]);
      expect(await posted(rule.id)).toEqual(['2026-03-15', '2026-03-16']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a new rule’s due occurrences post within the create request; a future or paused one posts nothing then', async () => {
    const user = await newUser(t);
    const rule = await newRule(user, { amount: '9.99', description: 'Music', startDate: '2026-01-15' });
    // No scheduler run: the answer already counts the three occurrences up to today (Mar 15).
    expect(rule).toMatchObject({ nextOccurrence: '2026-04-15', lastError: null });
    expect(await posted(rule.id)).toEqual(['2026-01-15', '2026-02-15', '2026-03-15']);
    expect((await call(t, user, 'GET', '/api/accounts')).json().items[0].balance).toBe('-29.97');
    const events = await t.ctx.db.selectFrom('outbox').select('type').where('user_id', '=', user.id).execute();
    expect(events.map((e) => e.type).sort()).toEqual([...Array<string>(3).fill('recurring.posted'), ...Array<string>(3).fill('transaction.created')]);
    expect(await runScheduler(t.ctx)).toMatchObject({ posted: 0, linked: 0, duplicates: 0 });

    const later = await newRule(user, { startDate: '2026-03-16' });
    const paused = await newRule(user, { startDate: '2026-03-01', paused: true });
    expect(later.nextOccurrence).toBe('2026-03-16');
    expect(await posted(later.id)).toEqual([]);
    expect(await posted(paused.id)).toEqual([]);
  });

  describe('an occurrence already in the account', () => {
    async function importCsv(user: TestUser, csv: string) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/transactions/import',
        headers: { ...user.headers, 'content-type': 'text/csv' },
        payload: csv,
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    }

    /** The rule's occurrences: date and the transaction that is it. */
    async function occurrences(ruleId: string) {
      const rows = await t.ctx.db
        .selectFrom('transactions')
        .select([sql<string>`occurrence_date::text`.as('date'), 'id'])
        .where('recurring_rule_id', '=', ruleId)
        .orderBy('occurrence_date')
        .execute();
      return rows.map((r) => [r.date, r.id]);
    }

    it('links to the imported charge (same account, amount and merchant or description, within 3 days) instead of posting a twin', async () => {
      const user = await newUser(t);
      const report = await importCsv(
        user,
        [
          'date,amount,description,merchant',
          '2026-01-16,-15.99,NETFLIX.COM 866-579-7172,', // row 2: a day after Jan 15, the merchant inside the description
          '2026-02-13,-15.99,Card payment,netflix', // row 3: two days before Feb 15, the merchant itself
          '2026-03-15,-15.99,Spotify,', // row 4: same amount and day, another merchant
          '2026-03-15,-16.99,Netflix,', // row 5: same merchant, another amount
        ].join('\n'),
      );
      const [jan, feb, spotify, dearer] = report.outcomes.map((o: { transactionId: string }) => o.transactionId);
      const rule = await newRule(user, { amount: '15.99', merchant: 'Netflix', description: 'Streaming', startDate: '2026-01-15' });
      await drain();
      const ledger = await occurrences(rule.id);
      expect(ledger.slice(0, 2)).toEqual([
        ['2026-01-15', jan],
        ['2026-02-15', feb],
      ]);
      expect(ledger[2]?.[0]).toBe('2026-03-15');
      expect([spotify, dearer]).not.toContain(ledger[2]?.[1]);
      const items = (await call(t, user, 'GET', '/api/transactions?limit=50')).json().items as Record<string, unknown>[];
      expect(items).toHaveLength(5);
      expect(items.find((i) => i.id === jan)).toMatchObject({
        recurringRuleId: rule.id,
        description: 'NETFLIX.COM 866-579-7172',
        occurredAt: '2026-01-16T00:00:00.000Z',
      });
      expect(items.find((i) => i.id === spotify)).toMatchObject({ recurringRuleId: null });
      expect((await call(t, user, 'GET', '/api/accounts')).json().items[0].balance).toBe('-80.95');

      // Consumers hear of the link as of any change, and of the occurrence as of a posted one.
      const events = await t.ctx.db
        .selectFrom('outbox')
        .select(['type', 'payload'])
        .where('user_id', '=', user.id)
        .where('type', 'in', ['transaction.updated', 'recurring.posted'])
        .orderBy('id')
        .execute();
      expect(events.map((e) => [e.type, (e.payload as { transactionId: string }).transactionId])).toEqual([
        ['transaction.updated', jan],
        ['recurring.posted', jan],
        ['transaction.updated', feb],
        ['recurring.posted', feb],
        ['recurring.posted', ledger[2]?.[1]],
      ]);
      expect(events[0]?.payload).toMatchObject({ changed: ['recurringRuleId'], recurringRuleId: rule.id, amount: '15.99' });
    });

    it('leaves out what is too far, of another account or already an occurrence; a daily rule matches only its own day', async () => {
      const user = await newUser(t);
      const cash = (await call(t, user, 'POST', '/api/accounts', { name: 'Cash', type: 'cash' })).json();
      const expense = async (body: Record<string, unknown>) =>
        (await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '40.00', description: 'Gym', ...body })).json().id as string;
      const tooLate = await expense({ occurredAt: '2026-02-14T08:00:00Z' }); // 4 days after Feb 10
      const early = await expense({ occurredAt: '2026-03-07T23:00:00Z' }); // 3 days before Mar 10
      const otherAccount = await expense({ occurredAt: '2026-02-10T08:00:00Z', accountId: cash.id });
      const gym = await newRule(user, { amount: '40.00', description: 'gym', startDate: '2026-02-10' });
      await drain();
      const gymLedger = await occurrences(gym.id);
      expect(gymLedger.map(([date]) => date)).toEqual(['2026-02-10', '2026-03-10']);
      expect(gymLedger[0]?.[1]).not.toBe(otherAccount);
      expect(gymLedger[1]?.[1]).toBe(early);
      // A second rule for the same charge finds every one already taken, or too far.
      const twin = await newRule(user, { amount: '40.00', description: 'Gym', startDate: '2026-02-10' });
      await drain();
      expect((await occurrences(twin.id)).map(([, id]) => id)).not.toContain(early);
      expect((await occurrences(twin.id)).map(([, id]) => id)).not.toContain(tooLate);

      const coffee = await expense({ amount: '3.50', description: 'Coffee', occurredAt: '2026-03-14T07:00:00Z' });
      await expense({ amount: '3.50', description: 'Coffee', occurredAt: '2026-03-12T07:00:00Z' });
      const daily = await newRule(user, { amount: '3.50', merchant: 'Coffee', frequency: 'daily', startDate: '2026-03-13' });
      await drain();
      const dailyLedger = await occurrences(daily.id);
      expect(dailyLedger.map(([date]) => date)).toEqual(['2026-03-13', '2026-03-14', '2026-03-15']);
      expect(dailyLedger[1]?.[1]).toBe(coffee);
      expect([dailyLedger[0]?.[1], dailyLedger[2]?.[1]]).not.toContain(coffee);
    });
  });
});
