import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { comprehensive } from '../src/analytics/comprehensive/service.js';
import { createTestFinance, ok, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-15T12:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});

const spend = (user: TestUser, amount: string, occurredAt: string, fields: Record<string, unknown> = {}) =>
  ok(t, user, 'POST', '/api/transactions', { type: 'expense', amount, occurredAt, ...fields });

const URL = '/api/analytics/comprehensive?from=2026-03-01&to=2026-03-15';

describe('GET /api/analytics/comprehensive', () => {
  let user: TestUser;
  const largest: string[] = [];

  beforeAll(async () => {
    user = await newUser(t);
    const main = (await ok(t, user, 'GET', '/api/accounts')).items[0];
    const savings = await ok(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' });
    const euros = await ok(t, user, 'POST', '/api/accounts', { name: 'Euro', type: 'checking', currency: 'EUR' });

    // The range: 1-14 March 2026 (UTC), Sunday 1 March to Saturday 14 March.
    await ok(t, user, 'POST', '/api/transactions', {
      type: 'income',
      amount: '3000.00',
      occurredAt: '2026-03-02T09:00:00Z',
      category: 'salary',
      merchant: 'ACME Corp',
    });
    await ok(t, user, 'POST', '/api/transactions', { type: 'income', amount: '500.00', occurredAt: '2026-03-10T15:00:00Z', category: 'freelance' });
    largest.push((await spend(user, '1200.00', '2026-03-01T08:00:00Z', { category: 'rent', merchant: 'Landlord' })).id);
    const cm1 = await spend(user, '45.50', '2026-03-02T18:30:00Z', { category: 'groceries', merchant: 'Corner Market' });
    for (const day of ['03', '04', '05', '11']) await spend(user, '2.50', `2026-03-${day}T08:00:00Z`, { category: 'transport', merchant: 'Metro' });
    largest.push((await spend(user, '80.00', '2026-03-06T20:00:00Z', { category: 'dining', merchant: 'Bistro' })).id);
    const cm2 = await spend(user, '54.50', '2026-03-07T10:00:00Z', { category: 'groceries', merchant: 'corner market' });
    const cm3 = await spend(user, '30.00', '2026-03-09T18:15:00Z', { category: 'groceries', merchant: 'Corner Market' });
    largest.push(cm2.id, cm1.id, cm3.id);
    await spend(user, '20.00', '2026-03-13T20:45:00Z', { category: 'dining', merchant: 'Bistro' });
    await spend(user, '10.00', '2026-03-14T23:30:00Z', { merchant: 'Kiosk' });
    // Neither income nor spending, or outside the range, or in another currency.
    await ok(t, user, 'POST', '/api/accounts/transfers', {
      fromAccountId: main.id,
      toAccountId: savings.id,
      amount: '500.00',
      occurredAt: '2026-03-05T12:00:00Z',
    });
    await spend(user, '99.00', '2026-03-04T12:00:00Z', { accountId: euros.id, category: 'groceries' });
    await spend(user, '999.00', '2026-03-15T00:30:00Z', { category: 'shopping' });
    await spend(user, '1000.00', '2026-01-01T12:00:00Z', { category: 'groceries' });
    // The previous period of the same length: 15-28 February.
    await spend(user, '1200.00', '2026-02-15T08:00:00Z', { category: 'rent', merchant: 'Landlord' });
    await spend(user, '200.00', '2026-02-20T12:00:00Z', { category: 'groceries' });
    await spend(user, '80.00', '2026-02-21T12:00:00Z', { category: 'dining' });
    await spend(user, '50.00', '2026-02-28T23:59:00Z', { category: 'groceries' });

    await ok(t, user, 'POST', '/api/budgets', { name: 'Food', amount: '500.00', period: 'monthly', category: 'groceries', startDate: '2026-01-01' });
    await ok(t, user, 'POST', '/api/goals', { name: 'Holiday', targetAmount: '1000.00' });
    await ok(t, user, 'POST', '/api/goals', { name: 'Euro trip', targetAmount: '1000.00', currency: 'EUR' });
    await ok(t, user, 'POST', '/api/debts', {
      name: 'Card',
      kind: 'credit_card',
      balance: '1000.00',
      annualRate: '12',
      minimumPayment: '100.00',
      dueDay: 20,
      startDate: '2026-03-01',
    });

    // Another user's spending in the same range never shows.
    const other = await newUser(t);
    await spend(other, '5000.00', '2026-03-05T12:00:00Z', { category: 'groceries', merchant: 'Corner Market' });
  });

  it('adds up income, spending and the savings rate, leaving out transfers and other currencies', async () => {
    const a = await ok(t, user, 'GET', URL);
    expect(a).toMatchObject({
      currency: 'USD',
      from: '2026-03-01',
      to: '2026-03-15',
      timeZone: 'UTC',
      income: '3500.00',
      expense: '1450.00',
      net: '2050.00',
      savingsRate: 58.57, // 2050 / 3500 = 58.571…%
      transactionCount: 13,
      otherCurrencies: [{ currency: 'EUR', count: 1 }],
    });
  });

  it('splits spending by category against the period before, by merchant, weekday and hour', async () => {
    const a = await ok(t, user, 'GET', URL);
    expect(a.byCategory).toEqual([
      { category: 'rent', name: 'Rent', amount: '1200.00', count: 1, share: 82.76, previousAmount: '1200.00', change: 0 },
      { category: 'groceries', name: 'Groceries', amount: '130.00', count: 3, share: 8.97, previousAmount: '250.00', change: -48 },
      { category: 'dining', name: 'Dining out', amount: '100.00', count: 2, share: 6.9, previousAmount: '80.00', change: 25 },
      { category: 'transport', name: 'Transport', amount: '10.00', count: 4, share: 0.69, previousAmount: '0.00', change: null },
      { category: null, name: null, amount: '10.00', count: 1, share: 0.69, previousAmount: '0.00', change: null },
    ]);
    expect(a.topMerchants).toEqual([
      { merchant: 'Landlord', amount: '1200.00', count: 1 },
      { merchant: 'Corner Market', amount: '130.00', count: 3 },
      { merchant: 'Bistro', amount: '100.00', count: 2 },
      { merchant: 'Kiosk', amount: '10.00', count: 1 },
      { merchant: 'Metro', amount: '10.00', count: 4 },
    ]);
    expect(a.largestExpenses.map((x: { id: string }) => x.id)).toEqual(largest);
    const listed = await ok(t, user, 'GET', `/api/transactions?merchant=landlord&from=2026-03-01T00:00:00Z`);
    expect(a.largestExpenses[0]).toEqual(listed.items[0]);

    const money = (amount: string, count: number) => ({ amount, count });
    expect(a.byWeekday).toEqual(
      [money('75.50', 2), money('2.50', 1), money('5.00', 2), money('2.50', 1), money('100.00', 2), money('64.50', 2), money('1200.00', 1)].map((m, i) => ({
        weekday: i + 1,
        ...m,
      })),
    );
    const hours = new Map([
      [8, money('1210.00', 5)],
      [10, money('54.50', 1)],
      [18, money('75.50', 2)],
      [20, money('100.00', 2)],
      [23, money('10.00', 1)],
    ]);
    expect(a.byHour).toEqual(Array.from({ length: 24 }, (_, hour) => ({ hour, ...(hours.get(hour) ?? money('0.00', 0)) })));
  });

  it('shows budgets, goals and debts in the currency as they stand today', async () => {
    const a = await ok(t, user, 'GET', URL);
    const overview = await ok(t, user, 'GET', '/api/budgets/overview');
    expect(a.budgets).toEqual(overview.items);
    expect(a.budgets[0]).toMatchObject({ name: 'Food', spent: '130.00' });
    const goals = await ok(t, user, 'GET', '/api/goals');
    expect(a.goals).toEqual(goals.items.filter((g: { currency: string }) => g.currency === 'USD'));
    expect(a.goals.map((g: { name: string }) => g.name)).toEqual(['Holiday']);
    const debt = (await ok(t, user, 'GET', '/api/debts')).items[0];
    const schedule = await ok(t, user, 'GET', `/api/debts/${debt.id}/schedule`);
    expect(a.debts).toEqual([
      { id: debt.id, name: 'Card', kind: 'credit_card', balance: '1000.00', minimumPayment: '100.00', payoffDate: schedule.payoffDate },
    ]);
    expect(schedule.payoffDate).toMatch(/^2027-/);
  });

  it('defaults to the 30 days ending today and answers in another currency when asked', async () => {
    const a = await ok(t, user, 'GET', '/api/analytics/comprehensive');
    expect(a).toMatchObject({ from: '2026-02-14', to: '2026-03-16', expense: '3979.00' }); // 1450 + 999 on 15 March + 1530 from 15-28 February
    const euros = await ok(t, user, 'GET', `${URL}&currency=EUR`);
    expect(euros).toMatchObject({ currency: 'EUR', expense: '99.00', income: '0.00', savingsRate: null, otherCurrencies: [{ currency: 'USD', count: 13 }] });
    expect(euros.goals.map((g: { name: string }) => g.name)).toEqual(['Euro trip']);
  });

  it('refuses a bad range with a 400 naming the field', async () => {
    const bad = async (query: string, field: string) => {
      const response = await call(t, user, 'GET', `/api/analytics/comprehensive?${query}`);
      expect(response.statusCode, response.body).toBe(400);
      expect(JSON.stringify(response.json().errors)).toContain(`"${field}"`);
    };
    await bad('from=2026-03-10&to=2026-03-10', 'from');
    await bad('from=2026-03-11&to=2026-03-10', 'from');
    await bad('from=2026-02-30', 'from');
    await bad('to=15-03-2026', 'to');
    await bad('from=2010-01-01&to=2020-01-02', 'to');
    await bad('currency=usd', 'currency');
    expect((await call(t, user, 'GET', '/api/analytics/comprehensive?from=2010-01-01&to=2020-01-01')).statusCode).toBe(200);
  });

  it('counts days, weekdays and hours in the time zone it is given', async () => {
    const someone = await newUser(t);
    await spend(someone, '7.00', '2026-03-07T23:30:00Z'); // Saturday 23:30 UTC, Sunday 00:30 in Berlin
    const input = { userId: someone.id, currency: 'USD', range: { from: '2026-03-08', to: '2026-03-09' }, today: '2026-03-15' };
    const utc = await comprehensive(t.ctx, { ...input, timeZone: 'UTC' });
    expect(utc.sums.expense).toBe(0n);
    const berlin = await comprehensive(t.ctx, { ...input, timeZone: 'Europe/Berlin' });
    expect(berlin.sums.expense).toBe(700n);
    expect(berlin.byWeekday.find((d) => d.amount > 0n)).toEqual({ slot: 7, amount: 700n, count: 1 });
    expect(berlin.byHour.find((h) => h.amount > 0n)).toEqual({ slot: 0, amount: 700n, count: 1 });
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ method: 'GET', url: URL })).statusCode).toBe(401);
  });
});
