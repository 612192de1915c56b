import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, newId } from '@expensio/common';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { runScheduler } from '../src/index.js';
import { spendingHistory, spendingPerPeriod } from '../src/analytics/forecast/repo.js';
import { spendingForecast } from '../src/analytics/forecast/service.js';
import { createTestFinance, type TestFinance } from './helpers.js';

// Sunday 15 March 2026, noon UTC.
let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-15T12:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});

const FORECAST = '/api/analytics/forecast';
/** One-off spending by ISO weekday, Monday first: the pattern the forecast must find. */
const WEEKDAY = [10, 20, 30, 40, 50, 60, 70];

async function accountId(user: TestUser, currency = 'USD') {
  const accounts = (await call(t, user, 'GET', '/api/accounts')).json().items as { id: string; currency: string }[];
  const found = accounts.find((a) => a.currency === currency);
  if (found) return found.id;
  return (await call(t, user, 'POST', '/api/accounts', { name: currency, type: 'cash', currency })).json().id as string;
}

/** Rows written straight to the ledger: a history of months through the API would take minutes. */
async function addExpenses(user: TestUser, items: { day: string; amount: number; currency?: string; category?: string; at?: string }[]) {
  const ids = new Map<string, string>();
  const categories = await t.ctx.db.selectFrom('categories').select(['id', 'slug']).where('user_id', 'is', null).execute();
  const now = t.clock.now();
  const rows = [];
  for (const item of items) {
    const currency = item.currency ?? 'USD';
    const account = ids.get(currency) ?? (await accountId(user, currency));
    ids.set(currency, account);
    rows.push({
      id: newId(),
      user_id: user.id,
      account_id: account,
      type: 'expense' as const,
      amount: BigInt(Math.round(item.amount * 100)),
      currency,
      category_id: categories.find((c) => c.slug === (item.category ?? 'groceries'))?.id ?? null,
      description: null,
      merchant: null,
      occurred_at: new Date(item.at ?? `${item.day}T09:30:00.000Z`),
      tags: [],
      transfer_id: null,
      created_at: now,
      updated_at: now,
      import_fingerprint: null,
    });
  }
  await t.ctx.db.insertInto('transactions').values(rows).execute();
}

/** Every day from `from` to `to` (exclusive) at its weekday's amount, `from` being a Monday. */
function weeklyPattern(from: string, to: string, scale = 1) {
  const items: { day: string; amount: number }[] = [];
  for (let day = from, i = 0; day < to; day = addDays(day, 1), i += 1) items.push({ day, amount: (WEEKDAY[i % 7] ?? 0) * scale });
  return items;
}

async function forecast(user: TestUser, query: string) {
  return call(t, user, 'GET', `${FORECAST}?${query}`);
}

describe('GET /api/analytics/forecast', () => {
  let alice: TestUser;
  let bob: TestUser;
  let rentId: string;

  beforeAll(async () => {
    alice = await newUser(t);
    bob = await newUser(t);
    // Ten weeks of one-off spending (Monday 5 January to Saturday 14 March), plus 25.00 so far today.
    await addExpenses(alice, [
      ...weeklyPattern('2026-01-05', '2026-03-15'),
      { day: '2026-03-15', amount: 25 },
      { day: '2026-02-11', amount: 40, currency: 'EUR' },
    ]);
    // A transfer between her own accounts is not spending.
    const savings = (await call(t, alice, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' })).json();
    const transfer = await call(t, alice, 'POST', '/api/accounts/transfers', {
      fromAccountId: await accountId(alice),
      toAccountId: savings.id,
      amount: '300.00',
      occurredAt: '2026-02-10T10:00:00Z',
    });
    expect(transfer.statusCode, transfer.body).toBe(201);
    // Rent posted by a rule on 20 January and 20 February: left out of the fit, scheduled again on 20 March.
    const rent = await call(t, alice, 'POST', '/api/recurring-transactions', {
      type: 'expense',
      amount: '500.00',
      category: 'rent',
      frequency: 'monthly',
      startDate: '2026-01-20',
    });
    expect(rent.statusCode, rent.body).toBe(201);
    // A closed pause window in February, which the history statement sends with the rule (it skips nothing ahead).
    rentId = rent.json().id as string;
    await t.ctx.db.insertInto('recurring_pauses').values({ id: newId(), rule_id: rentId, paused_on: '2026-02-01', resumed_on: '2026-02-05' }).execute();
    // A paused rule schedules nothing.
    const paused = await call(t, alice, 'POST', '/api/recurring-transactions', {
      type: 'expense',
      amount: '99.00',
      frequency: 'weekly',
      startDate: '2026-03-16',
      paused: true,
    });
    expect(paused.statusCode, paused.body).toBe(201);
    await runScheduler(t.ctx);
    // Bob spends a lot, on the same days, with a daily rule of his own; none of it may reach Alice.
    await addExpenses(bob, weeklyPattern('2026-03-09', '2026-03-15', 100));
    expect(
      (await call(t, bob, 'POST', '/api/recurring-transactions', { type: 'expense', amount: '7.00', frequency: 'daily', startDate: '2026-03-15' })).statusCode,
    ).toBe(201);
  });

  it('reads the active rules with their closed pause windows in the history statement, the amount exact', async () => {
    const history = await spendingHistory(t.ctx.database, t.ctx.db, {
      userId: alice.id,
      currency: 'USD',
      categoryId: null,
      timeZone: 'UTC',
      granularity: 'day',
      from: '2026-03-01',
      current: '2026-03-15',
      next: '2026-03-16',
    });
    expect(history.rules).toEqual([
      expect.objectContaining({
        id: rentId,
        amount: 50000n,
        frequency: 'monthly',
        start_date: '2026-01-20',
        pauses: [{ pausedOn: '2026-02-01', resumedOn: '2026-02-05' }],
      }),
    ]);
  });

  it('forecasts days from the weekly pattern of one-off spending, adding the rent the rule will post', async () => {
    const response = await forecast(alice, 'granularity=day');
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      granularity: 'day',
      currency: 'USD',
      category: null,
      timeZone: 'UTC',
      history: { from: '2026-01-05', to: '2026-03-15', periods: 69 },
      model: { name: 'seasonal-naive', parameters: { period: 7 } },
      backtest: { metric: 'MASE', model: 0, seasonalNaive: 0, horizon: 7, origins: 6 },
      otherCurrencies: [{ currency: 'EUR', count: 1 }],
    });
    const points = body.points as {
      periodStart: string;
      periodEnd: string;
      expected: string;
      lower: string;
      upper: string;
      scheduled: string;
      actualSoFar: string;
    }[];
    expect(points).toHaveLength(30);
    // Today (a Sunday): 25.00 spent so far, 70.00 expected for the whole day, no doubt about it.
    expect(points[0]).toEqual({
      periodStart: '2026-03-15',
      periodEnd: '2026-03-16',
      expected: '70.00',
      lower: '70.00',
      upper: '70.00',
      scheduled: '0.00',
      actualSoFar: '25.00',
    });
    points.forEach((p, h) => {
      const weekday = (6 + h) % 7; // 15 March is a Sunday (index 6)
      const scheduled = p.periodStart === '2026-03-20' ? 500 : 0;
      expect(p.scheduled).toBe(scheduled.toFixed(2));
      expect(p.expected).toBe(((WEEKDAY[weekday] ?? 0) + scheduled).toFixed(2));
      if (h > 0) expect(p.actualSoFar).toBe('0.00');
    });
  });

  it('forecasts weeks: the current week floors at what is spent, the next adds the rent', async () => {
    const body = (await forecast(alice, 'granularity=week&horizon=3')).json();
    expect(body.history).toEqual({ from: '2026-01-05', to: '2026-03-09', periods: 9 });
    expect(body.points).toEqual([
      // 10+20+…+60 this week and 25 today: 235 so far, 280 expected.
      { periodStart: '2026-03-09', periodEnd: '2026-03-16', expected: '280.00', lower: '280.00', upper: '280.00', scheduled: '0.00', actualSoFar: '235.00' },
      { periodStart: '2026-03-16', periodEnd: '2026-03-23', expected: '780.00', lower: '780.00', upper: '780.00', scheduled: '500.00', actualSoFar: '0.00' },
      { periodStart: '2026-03-23', periodEnd: '2026-03-30', expected: '280.00', lower: '280.00', upper: '280.00', scheduled: '0.00', actualSoFar: '0.00' },
    ]);
  });

  it('narrows to one category: rent alone is the posted rule, nothing one-off', async () => {
    const body = (await forecast(alice, 'granularity=week&horizon=2&category=rent')).json();
    expect(body.category).toBe('rent');
    expect(body.points.map((p: { expected: string; scheduled: string; actualSoFar: string }) => [p.expected, p.scheduled, p.actualSoFar])).toEqual([
      ['0.00', '0.00', '0.00'],
      ['500.00', '500.00', '0.00'],
    ]);
    expect((await forecast(alice, 'granularity=week&category=no-such-thing')).statusCode).toBe(404);
  });

  it('answers 422 insufficient_history, saying how much is needed, on a short history', async () => {
    const months = await forecast(alice, 'granularity=month');
    expect(months.statusCode).toBe(422);
    expect(months.json()).toMatchObject({ status: 422, code: 'insufficient_history' });
    expect(months.json().detail).toContain('at least 8 complete months');
    expect(months.json().detail).toContain('there are 2');
    // Bob's six days are his own: Alice's ten weeks do not lend him a history.
    const days = await forecast(bob, 'granularity=day');
    expect(days.statusCode).toBe(422);
    expect(days.json().detail).toContain('at least 14 complete days');
    const nobody = await forecast(await newUser(t), '');
    expect(nobody.json()).toMatchObject({ status: 422, code: 'insufficient_history' });
  });

  it('refuses bad input naming the field', async () => {
    for (const [query, field] of [
      ['granularity=year', 'granularity'],
      ['horizon=0', 'horizon'],
      ['granularity=month&horizon=13', 'horizon'],
      ['granularity=week&horizon=27', 'horizon'],
      ['currency=usd', 'currency'],
      ['category=Rent%0A', 'category'],
      ['colour=red', ''],
    ] as const) {
      const response = await forecast(alice, query);
      expect(response.statusCode, query).toBe(400);
      if (field !== '') expect(JSON.stringify(response.json().errors), query).toContain(field);
      // Where, as every other 400 says it: the query is `querystring`.
      if (field !== '') expect(response.json().errors, query).toEqual(expect.arrayContaining([expect.objectContaining({ field, in: 'querystring' })]));
    }
    expect((await t.app.inject({ method: 'GET', url: FORECAST })).statusCode).toBe(401);
  });

  it("counts days, weeks and months in the user's time zone", async () => {
    const carol = await newUser(t);
    // 03:00 UTC on 2 March is still 1 March, 22:00, in New York.
    await addExpenses(carol, [
      { day: '2026-03-02', amount: 5, at: '2026-03-02T03:00:00Z' },
      { day: '2026-03-02', amount: 7, at: '2026-03-02T12:00:00Z' },
    ]);
    const scope = { userId: carol.id, currency: 'USD', categoryId: null, granularity: 'day' as const, from: '2026-03-01', to: '2026-03-03' };
    // One total per day from 2026-03-01, in minor units.
    expect(await spendingPerPeriod(t.ctx.database, t.ctx.db, { ...scope, timeZone: 'America/New_York' })).toEqual([500n, 700n]);
    expect(await spendingPerPeriod(t.ctx.database, t.ctx.db, { ...scope, timeZone: 'UTC' })).toEqual([0n, 1200n]);
    // Noon UTC on 15 March is already the 16th in Auckland: that is today there.
    const auckland = await spendingForecast(t.ctx, alice.id, { granularity: 'day', horizon: 2 }, 'Pacific/Auckland');
    expect(auckland.timeZone).toBe('Pacific/Auckland');
    expect(auckland.history.to).toBe('2026-03-16');
    expect(auckland.points.map((p) => p.periodStart)).toEqual(['2026-03-16', '2026-03-17']);
  });
});
