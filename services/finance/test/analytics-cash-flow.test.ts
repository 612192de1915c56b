import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { cashFlowAnalysis } from '../src/analytics/cash-flow/service.js';
import { createTestFinance, ok, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-15T12:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});

const bucket = (periodStart: string, periodEnd: string, inflow: string, outflow: string, net: string, balance: string) => ({
  periodStart,
  periodEnd,
  inflow,
  outflow,
  net,
  balance,
});
const RANGE = 'from=2026-02-18&to=2026-03-16';

describe('GET /api/analytics/cash-flow', () => {
  let user: TestUser;
  let main: { id: string };
  let savings: { id: string };

  beforeAll(async () => {
    user = await newUser(t);
    main = (await ok(t, user, 'GET', '/api/accounts')).items[0];
    await ok(t, user, 'PATCH', `/api/accounts/${main.id}`, { openingBalance: '100.00' });
    savings = await ok(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings', openingBalance: '1000.00' });
    const euros = await ok(t, user, 'POST', '/api/accounts', { name: 'Euro', type: 'checking', currency: 'EUR' });
    const post = (type: string, amount: string, occurredAt: string, accountId = main.id) =>
      ok(t, user, 'POST', '/api/transactions', { type, amount, occurredAt, accountId });
    await post('income', '50.00', '2026-02-10T12:00:00Z'); // before the range: part of the opening balance
    await post('income', '200.00', '2026-02-20T12:00:00Z');
    await post('income', '1000.00', '2026-02-26T12:00:00Z');
    await post('expense', '300.00', '2026-02-27T12:00:00Z');
    await post('expense', '40.00', '2026-03-04T12:00:00Z', euros.id);
    // The week of 2 March holds only a transfer between two of the user's accounts; the week of 9 March nothing.
    await ok(t, user, 'POST', '/api/accounts/transfers', {
      fromAccountId: main.id,
      toAccountId: savings.id,
      amount: '400.00',
      occurredAt: '2026-03-03T12:00:00Z',
    });

    const other = await newUser(t);
    await ok(t, other, 'POST', '/api/transactions', { type: 'income', amount: '9999.00', occurredAt: '2026-02-26T12:00:00Z' });
  });

  it('buckets ISO weeks, cutting the first at from; a transfer between own accounts is neither inflow nor outflow', async () => {
    const a = await ok(t, user, 'GET', `/api/analytics/cash-flow?granularity=week&${RANGE}`);
    expect(a).toMatchObject({
      currency: 'USD',
      granularity: 'week',
      accountId: null,
      openingBalance: '1150.00',
      otherCurrencies: [{ currency: 'EUR', count: 1 }],
    });
    expect(a.buckets).toEqual([
      bucket('2026-02-18', '2026-02-23', '200.00', '0.00', '200.00', '1350.00'),
      bucket('2026-02-23', '2026-03-02', '1000.00', '300.00', '700.00', '2050.00'),
      bucket('2026-03-02', '2026-03-09', '0.00', '0.00', '0.00', '2050.00'),
      bucket('2026-03-09', '2026-03-16', '0.00', '0.00', '0.00', '2050.00'),
    ]);
    const accounts = (await ok(t, user, 'GET', '/api/accounts?includeArchived=true')).items.filter((x: { currency: string }) => x.currency === 'USD');
    const total = accounts.reduce((sum: number, x: { balance: string }) => sum + Math.round(Number(x.balance) * 100), 0);
    expect(total).toBe(205_000);
  });

  it('counts transfers into and out of one account, and ends on the balance the account shows', async () => {
    const a = await ok(t, user, 'GET', `/api/analytics/cash-flow?granularity=week&${RANGE}&accountId=${main.id}`);
    expect(a.openingBalance).toBe('150.00');
    expect(a.otherCurrencies).toEqual([]);
    expect(a.buckets).toEqual([
      bucket('2026-02-18', '2026-02-23', '200.00', '0.00', '200.00', '350.00'),
      bucket('2026-02-23', '2026-03-02', '1000.00', '300.00', '700.00', '1050.00'),
      bucket('2026-03-02', '2026-03-09', '0.00', '400.00', '-400.00', '650.00'),
      bucket('2026-03-09', '2026-03-16', '0.00', '0.00', '0.00', '650.00'),
    ]);
    expect((await ok(t, user, 'GET', `/api/accounts/${main.id}`)).balance).toBe('650.00');
    const saved = await ok(t, user, 'GET', `/api/analytics/cash-flow?granularity=week&${RANGE}&accountId=${savings.id}`);
    expect(saved.buckets[2]).toEqual(bucket('2026-03-02', '2026-03-09', '400.00', '0.00', '400.00', '1400.00'));
  });

  it('buckets calendar months and days, empty ones as zeros', async () => {
    const months = await ok(t, user, 'GET', `/api/analytics/cash-flow?granularity=month&${RANGE}`);
    expect(months.buckets).toEqual([
      bucket('2026-02-18', '2026-03-01', '1200.00', '300.00', '900.00', '2050.00'),
      bucket('2026-03-01', '2026-03-16', '0.00', '0.00', '0.00', '2050.00'),
    ]);
    const days = await ok(t, user, 'GET', `/api/analytics/cash-flow?${RANGE}`);
    expect(days.granularity).toBe('day');
    expect(days.buckets).toHaveLength(26);
    expect(days.buckets[2]).toEqual(bucket('2026-02-20', '2026-02-21', '200.00', '0.00', '200.00', '1350.00'));
    expect(days.buckets[3]).toEqual(bucket('2026-02-21', '2026-02-22', '0.00', '0.00', '0.00', '1350.00'));
    const defaults = await ok(t, user, 'GET', '/api/analytics/cash-flow?granularity=month');
    expect(defaults).toMatchObject({ from: '2025-04-01', to: '2026-03-16' });
    expect(defaults.buckets).toHaveLength(12);
  });

  it('counts days in the time zone it is given', async () => {
    const someone = await newUser(t);
    await ok(t, someone, 'POST', '/api/transactions', { type: 'expense', amount: '5.00', occurredAt: '2026-03-09T03:00:00Z' });
    const input = { userId: someone.id, currency: 'USD', range: { from: '2026-03-02', to: '2026-03-16' }, granularity: 'week' as const };
    const utc = await cashFlowAnalysis(t.ctx, { ...input, timeZone: 'UTC' });
    expect(utc.buckets.map((b) => b.outflow)).toEqual(['0.00', '5.00']);
    // 03:00 UTC on Monday 9 March is 23:00 on Sunday 8 March in New York (daylight time began that day).
    const newYork = await cashFlowAnalysis(t.ctx, { ...input, timeZone: 'America/New_York' });
    expect(newYork.buckets.map((b) => b.outflow)).toEqual(['5.00', '0.00']);
  });

  it('refuses more than 1,000 buckets, a foreign account and a currency the account does not hold', async () => {
    const tooMany = await call(t, user, 'GET', '/api/analytics/cash-flow?granularity=day&from=2020-01-01&to=2026-01-01');
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors[0]).toMatchObject({ field: 'granularity' });
    expect((await call(t, user, 'GET', '/api/analytics/cash-flow?granularity=month&from=2020-01-01&to=2026-01-01')).statusCode).toBe(200);
    expect((await call(t, user, 'GET', '/api/analytics/cash-flow?granularity=year')).statusCode).toBe(400);
    const mismatch = await call(t, user, 'GET', `/api/analytics/cash-flow?accountId=${main.id}&currency=EUR`);
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().errors[0]).toMatchObject({ field: 'currency' });
    const stranger = await newUser(t);
    expect((await call(t, stranger, 'GET', `/api/analytics/cash-flow?accountId=${main.id}`)).statusCode).toBe(404);
    const empty = await ok(t, stranger, 'GET', `/api/analytics/cash-flow?granularity=week&${RANGE}`);
    expect(empty.buckets.every((b: { inflow: string; balance: string }) => b.inflow === '0.00' && b.balance === '0.00')).toBe(true);
  });
});
