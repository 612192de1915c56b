import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { spendingByPeriod } from '../src/budgets/repo.js';
import { recordUserTimeZone } from '../src/users/time-zone.js';
import { createTestFinance, type TestFinance } from './helpers.js';

// The threshold check reads a budget's spending from the period it needs: the current one for a
// budget that carries nothing, every period since its start for one that carries. A budget over
// all categories reads the per-day totals, a category's budget the transactions.

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-15T12:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});

const budget = async (user: TestUser, body: Record<string, unknown>) => {
  const response = await call(t, user, 'POST', '/api/budgets', { amount: '100.00', period: 'monthly', startDate: '2026-01-01', ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>();
};
const spend = async (user: TestUser, amount: string, occurredAt: string, category = 'groceries') => {
  const response = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount, occurredAt, category });
  expect(response.statusCode, response.body).toBe(201);
};
const events = async (user: TestUser, id: string) => {
  const response = await call(t, user, 'GET', `/api/budgets/${id}/events`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items.map(({ periodStart, threshold, spent, available }: Record<string, unknown>) => ({ periodStart, threshold, spent, available }));
};
const sums = async (user: TestUser, budgetIds: string[], days: { from: string; through: string; timeZone?: string }) =>
  (await spendingByPeriod(t.ctx.db, { userId: user.id, budgetIds, timeZone: 'UTC', ...days }))
    .map((r) => `${r.budget_id === budgetIds[0] ? 'first' : 'second'} ${r.period_start} ${r.spent}`)
    .sort();

describe('the threshold check on a create', () => {
  it('a deficit from two months back still shrinks this month, read from the day totals and from the rows', async () => {
    const user = await newUser(t);
    const all = await budget(user, { name: 'all', rollover: 'surplus_and_deficit' });
    const food = await budget(user, { name: 'food', rollover: 'surplus_and_deficit', category: 'groceries' });
    await spend(user, '150.00', '2026-01-10T00:00:00Z'); // January 50.00 over
    await spend(user, '100.00', '2026-02-10T00:00:00Z'); // February has 50.00, spends 100.00: still 50.00 over
    // March has 50.00: 40.00 is 80% of it (and only 40% without January).
    await spend(user, '40.00', '2026-03-05T00:00:00Z');
    for (const id of [all.id, food.id])
      expect(await events(user, id)).toEqual([{ periodStart: '2026-03-01', threshold: 80, spent: '40.00', available: '50.00' }]);
  });

  it('a surplus spent two months back leaves nothing to carry', async () => {
    const user = await newUser(t);
    const all = await budget(user, { name: 'all', rollover: 'surplus' });
    const food = await budget(user, { name: 'food', rollover: 'surplus', category: 'groceries' });
    await spend(user, '100.00', '2026-01-10T00:00:00Z'); // January leaves nothing; February all of its 100.00
    // March has 200.00: 170.00 is 85% of it (and 56% if January had left its 100.00).
    await spend(user, '170.00', '2026-03-05T00:00:00Z');
    for (const id of [all.id, food.id])
      expect(await events(user, id)).toEqual([{ periodStart: '2026-03-01', threshold: 80, spent: '170.00', available: '200.00' }]);
  });

  it('rollover none: an earlier month overspent changes nothing in this one', async () => {
    const user = await newUser(t);
    const all = await budget(user, { name: 'all', rollover: 'none' });
    const food = await budget(user, { name: 'food', rollover: 'none', category: 'groceries' });
    await spend(user, '500.00', '2026-02-10T00:00:00Z');
    await spend(user, '79.00', '2026-03-05T00:00:00Z');
    for (const id of [all.id, food.id]) expect(await events(user, id)).toEqual([]);
    await spend(user, '1.00', '2026-03-06T00:00:00Z');
    for (const id of [all.id, food.id])
      expect(await events(user, id)).toEqual([{ periodStart: '2026-03-01', threshold: 80, spent: '80.00', available: '100.00' }]);
  });
});

describe('spendingByPeriod', () => {
  it('reads a budget that carries nothing from the period holding `from`, one that carries from its first', async () => {
    const user = await newUser(t);
    const none = await budget(user, { name: 'none', rollover: 'none' });
    const carries = await budget(user, { name: 'carries', rollover: 'surplus' });
    const food = await budget(user, { name: 'food', rollover: 'none', category: 'groceries' });
    await spend(user, '1.00', '2026-01-10T00:00:00Z');
    await spend(user, '2.00', '2026-02-10T00:00:00Z');
    await spend(user, '4.00', '2026-03-10T00:00:00Z');
    expect(await sums(user, [none.id, carries.id], { from: '2026-03-15', through: '2026-03-15' })).toEqual([
      'first 2026-03-01 400',
      'second 2026-01-01 100',
      'second 2026-02-01 200',
      'second 2026-03-01 400',
    ]);
    expect(await sums(user, [food.id], { from: '2026-02-01', through: '2026-03-15' })).toEqual(['first 2026-02-01 200', 'first 2026-03-01 400']);
    // A budget not started by `from` is read from its own first period.
    const later = await budget(user, { name: 'later', rollover: 'none', startDate: '2026-03-10' });
    expect(await sums(user, [later.id], { from: '2026-01-01', through: '2026-03-15' })).toEqual(['first 2026-03-01 400']);
  });

  it('sums by the days of the zone asked in, also when the user’s own zone is another', async () => {
    const user = await newUser(t);
    await recordUserTimeZone(t.ctx.db, { userId: user.id, timeZone: 'Pacific/Auckland', changedAt: new Date('2026-01-01T00:00:00Z') });
    const all = await budget(user, { name: 'all', rollover: 'surplus' });
    // 01:00 on 1 March in Auckland, still 28 February in UTC.
    await spend(user, '3.00', '2026-02-28T12:00:00Z');
    expect(await sums(user, [all.id], { from: '2026-03-15', through: '2026-03-15', timeZone: 'Pacific/Auckland' })).toEqual(['first 2026-03-01 300']);
    expect(await sums(user, [all.id], { from: '2026-03-15', through: '2026-03-15', timeZone: 'UTC' })).toEqual(['first 2026-02-01 300']);
  });

  it('counts the hour before a midnight the clock passes twice in the day it belongs to', async () => {
    const user = await newUser(t);
    const havana = 'America/Havana';
    await recordUserTimeZone(t.ctx.db, { userId: user.id, timeZone: havana, changedAt: new Date('2026-01-01T00:00:00Z') });
    const all = await budget(user, { name: 'all', startDate: '2026-10-01' });
    const food = await budget(user, { name: 'food', startDate: '2026-10-01', category: 'groceries' });
    // Havana's clocks go back from 01:00 to 00:00 on 1 November: 04:30 UTC is 00:30 on 1 November,
    // an hour before the midnight PostgreSQL reads '2026-11-01 00:00' as.
    await spend(user, '5.00', '2026-11-01T04:30:00Z');
    for (const id of [all.id, food.id]) {
      expect(await sums(user, [id], { from: '2026-11-15', through: '2026-11-15', timeZone: havana })).toEqual(['first 2026-11-01 500']);
    }
  });
});
