import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
const START = '2026-03-15T12:00:00.000Z'; // a Sunday
beforeAll(async () => {
  t = await createTestFinance({ start: START });
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  t.clock.set(START);
});

const OTHER_ID = '0190a000-0000-7000-8000-000000000000';

const budget = async (user: TestUser, body: Record<string, unknown>) => {
  const response = await call(t, user, 'POST', '/api/budgets', body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
};
const spend = async (user: TestUser, amount: string | number, occurredAt: string, extra: Record<string, unknown> = {}) => {
  const response = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount, occurredAt, ...extra });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
};
const overview = async (user: TestUser) => {
  const response = await call(t, user, 'GET', '/api/budgets/overview');
  expect(response.statusCode, response.body).toBe(200);
  return Object.fromEntries(response.json().items.map((i: { name: string }) => [i.name, i]));
};
const figures = ({ budgeted, rolledOver, available, spent, remaining, percentUsed, status }: Record<string, unknown>) => ({
  budgeted,
  rolledOver,
  available,
  spent,
  remaining,
  percentUsed,
  status,
});
const events = async (user: TestUser, id: string) => {
  const response = await call(t, user, 'GET', `/api/budgets/${id}/events`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items.map(({ periodStart, threshold, spent, available }: Record<string, unknown>) => ({ periodStart, threshold, spent, available }));
};

describe('/api/budgets CRUD', () => {
  it('creates with defaults, reads, lists, replaces and deletes', async () => {
    const user = await newUser(t);
    const created = await budget(user, { name: 'Everything', amount: '1500.00', period: 'monthly' });
    expect(created).toMatchObject({
      name: 'Everything',
      amount: '1500.00',
      currency: 'USD',
      period: 'monthly',
      category: null,
      categoryId: null,
      startDate: '2026-03-15',
      rollover: 'none',
      rolloverCap: null,
    });
    const groceries = await budget(user, {
      name: 'Food',
      amount: 400,
      currency: 'EUR',
      period: 'weekly',
      category: 'groceries',
      startDate: '2026-01-05',
      rollover: 'surplus',
      rolloverCap: '50',
    });
    expect(groceries).toMatchObject({
      amount: '400.00',
      currency: 'EUR',
      category: 'groceries',
      startDate: '2026-01-05',
      rollover: 'surplus',
      rolloverCap: '50.00',
    });

    expect((await call(t, user, 'GET', `/api/budgets/${created.id}`)).json()).toEqual(created);
    expect((await call(t, user, 'GET', '/api/budgets')).json().items.map((b: { name: string }) => b.name)).toEqual(['Everything', 'Food']);

    t.clock.advance(60_000);
    const replaced = await call(t, user, 'PUT', `/api/budgets/${groceries.id}`, {
      name: 'Groceries',
      amount: '380.50',
      currency: 'EUR',
      period: 'monthly',
      category: groceries.categoryId,
      startDate: '2026-02-01',
      rollover: 'surplus_and_deficit',
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({
      name: 'Groceries',
      amount: '380.50',
      period: 'monthly',
      category: 'groceries',
      rollover: 'surplus_and_deficit',
      rolloverCap: null,
      createdAt: groceries.createdAt,
    });
    expect(replaced.json().updatedAt).not.toBe(groceries.updatedAt);
    // As on create, a replacement without currency takes the default account's.
    const defaulted = await call(t, user, 'PUT', `/api/budgets/${groceries.id}`, {
      name: 'Groceries',
      amount: '380.50',
      period: 'monthly',
      startDate: '2026-02-01',
      rollover: 'none',
    });
    expect(defaulted.statusCode, defaulted.body).toBe(200);
    expect(defaulted.json()).toMatchObject({ currency: 'USD', amount: '380.50' });

    expect((await call(t, user, 'DELETE', `/api/budgets/${created.id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'GET', `/api/budgets/${created.id}`)).statusCode).toBe(404);
    expect((await call(t, user, 'DELETE', `/api/budgets/${created.id}`)).statusCode).toBe(404);
    expect((await call(t, user, 'GET', '/api/budgets')).json().items).toHaveLength(1);
  });

  it('a category is named by slug or id, and must be the user’s or a default one', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const own = (await call(t, alice, 'POST', '/api/categories', { name: 'Board games' })).json();
    expect((await budget(alice, { name: 'Games', amount: '30', period: 'monthly', category: 'board-games' })).categoryId).toBe(own.id);
    expect((await budget(alice, { name: 'Games 2', amount: '30', period: 'monthly', category: own.id })).category).toBe('board-games');
    const unknown = await call(t, alice, 'POST', '/api/budgets', { name: 'X', amount: '30', period: 'monthly', category: 'no-such-thing' });
    expect(unknown.statusCode).toBe(404);
    expect((await call(t, bob, 'POST', '/api/budgets', { name: 'Theirs', amount: '30', period: 'monthly', category: own.id })).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', '/api/budgets')).json().items).toEqual([]);
  });

  it('refuses bad input with 400 naming the fields, and writes nothing', async () => {
    const user = await newUser(t);
    const schema = await call(t, user, 'POST', '/api/budgets', {
      name: '',
      amount: true,
      period: 'daily',
      startDate: '2026-02-30',
      rollover: 'always',
      currency: 'usd',
      colour: 'red',
    });
    expect(schema.statusCode).toBe(400);
    expect(schema.json().errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['name', 'amount', 'period', 'startDate', 'rollover', 'currency']),
    );
    expect(JSON.stringify(schema.json().errors)).toContain('colour');

    const cases: [Record<string, unknown>, string][] = [
      [{ amount: '12.345' }, 'amount'],
      [{ amount: '0' }, 'amount'],
      [{ amount: '-5.00' }, 'amount'],
      [{ amount: 0.1 + 0.2 }, 'amount'],
      [{ amount: '1.5', currency: 'JPY' }, 'amount'],
      [{ rolloverCap: '10.00' }, 'rolloverCap'],
      [{ rollover: 'surplus', rolloverCap: '-1.00' }, 'rolloverCap'],
      [{ rollover: 'surplus', rolloverCap: '1.001' }, 'rolloverCap'],
      [{ startDate: '1850-01-01' }, 'startDate'],
    ];
    for (const [change, field] of cases) {
      const response = await call(t, user, 'POST', '/api/budgets', { name: 'Bad', amount: '10.00', period: 'monthly', ...change });
      expect(response.statusCode, JSON.stringify(change)).toBe(400);
      expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await call(t, user, 'GET', '/api/budgets')).json().items).toEqual([]);

    const kept = await budget(user, { name: 'Kept', amount: '10.00', period: 'monthly', startDate: '2026-03-01' });
    const partial = await call(t, user, 'PUT', `/api/budgets/${kept.id}`, { name: 'Renamed' });
    expect(partial.statusCode).toBe(400);
    expect(partial.json().errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['amount', 'period', 'startDate', 'rollover']));
    const full = { name: 'Renamed', amount: '20.00', currency: 'USD', period: 'weekly', startDate: '2026-03-02', rollover: 'none' };
    expect((await call(t, user, 'PUT', `/api/budgets/${kept.id}`, { ...full, amount: '1.234' })).statusCode).toBe(400);
    expect((await call(t, user, 'PUT', `/api/budgets/${kept.id}`, { ...full, category: 'no-such-thing' })).statusCode).toBe(404);
    expect((await call(t, user, 'GET', `/api/budgets/${kept.id}`)).json()).toEqual(kept);
    expect((await call(t, user, 'GET', '/api/budgets/not-a-uuid')).statusCode).toBe(400);
    expect((await call(t, user, 'GET', `/api/budgets/${kept.id}/events?limit=0`)).statusCode).toBe(400);
  });

  it('another user’s budget is 404 on every route', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const mine = await budget(alice, { name: 'Private', amount: '100.00', period: 'monthly' });
    const replacement = { name: 'Mine now', amount: '1.00', currency: 'USD', period: 'monthly', startDate: '2026-03-01', rollover: 'none' };
    expect((await call(t, bob, 'GET', `/api/budgets/${mine.id}`)).statusCode).toBe(404);
    expect((await call(t, bob, 'PUT', `/api/budgets/${mine.id}`, replacement)).statusCode).toBe(404);
    expect((await call(t, bob, 'DELETE', `/api/budgets/${mine.id}`)).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', `/api/budgets/${mine.id}/events`)).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', `/api/budgets/${OTHER_ID}`)).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', '/api/budgets/overview')).json().items).toEqual([]);
    expect((await call(t, alice, 'GET', `/api/budgets/${mine.id}`)).json()).toEqual(mine);
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/budgets/overview' })).statusCode).toBe(401);
  });
});

describe('/api/budgets/overview', () => {
  it('rollover across three periods with an overspend, for each mode (hand-computed)', async () => {
    const user = await newUser(t);
    const terms = { amount: '100.00', period: 'monthly', category: 'groceries', startDate: '2026-01-01' };
    await budget(user, { ...terms, name: 'none', rollover: 'none' });
    await budget(user, { ...terms, name: 'surplus', rollover: 'surplus' });
    await budget(user, { ...terms, name: 'deficit', rollover: 'surplus_and_deficit' });
    await spend(user, '500.00', '2025-12-31T23:59:59Z', { category: 'groceries' }); // before the first period: ignored
    await spend(user, '59.90', '2026-01-03T10:00:00Z', { category: 'groceries' });
    await spend(user, '0.10', '2026-01-31T23:59:59Z', { category: 'groceries' }); // January: 60.00
    await spend(user, '100.10', '2026-02-01T00:00:00Z', { category: 'groceries' });
    await spend(user, '69.90', '2026-02-27T08:00:00Z', { category: 'groceries' }); // February: 170.00, an overspend
    await spend(user, '50.00', '2026-03-02T08:00:00Z', { category: 'groceries' }); // March: 50.00
    await spend(user, '999.00', '2026-03-03T08:00:00Z', { category: 'dining' }); // another category

    t.clock.set('2026-01-20T00:00:00Z');
    let now = await overview(user);
    for (const name of ['none', 'surplus', 'deficit']) {
      expect(figures(now[name])).toEqual({
        budgeted: '100.00',
        rolledOver: '0.00',
        available: '100.00',
        spent: '60.00',
        remaining: '40.00',
        percentUsed: 60,
        status: 'ok',
      });
    }

    t.clock.set('2026-02-20T00:00:00Z');
    now = await overview(user);
    expect(figures(now.none)).toEqual({
      budgeted: '100.00',
      rolledOver: '0.00',
      available: '100.00',
      spent: '170.00',
      remaining: '-70.00',
      percentUsed: 170,
      status: 'over',
    });
    // 40.00 was left in January: 140.00 available, 170/140 = 121.428...%.
    for (const name of ['surplus', 'deficit']) {
      expect(figures(now[name])).toEqual({
        budgeted: '100.00',
        rolledOver: '40.00',
        available: '140.00',
        spent: '170.00',
        remaining: '-30.00',
        percentUsed: 121.42,
        status: 'over',
      });
    }

    t.clock.set(START);
    now = await overview(user);
    expect(figures(now.none)).toEqual({
      budgeted: '100.00',
      rolledOver: '0.00',
      available: '100.00',
      spent: '50.00',
      remaining: '50.00',
      percentUsed: 50,
      status: 'ok',
    });
    // surplus forgets February's overspend.
    expect(figures(now.surplus)).toEqual({
      budgeted: '100.00',
      rolledOver: '0.00',
      available: '100.00',
      spent: '50.00',
      remaining: '50.00',
      percentUsed: 50,
      status: 'ok',
    });
    // surplus_and_deficit carries it: 100 - 30 = 70 available, 50/70 = 71.428...%.
    expect(figures(now.deficit)).toEqual({
      budgeted: '100.00',
      rolledOver: '-30.00',
      available: '70.00',
      spent: '50.00',
      remaining: '20.00',
      percentUsed: 71.42,
      status: 'ok',
    });
    expect(now.deficit).toMatchObject({
      periodStart: '2026-03-01T00:00:00.000Z',
      periodEnd: '2026-04-01T00:00:00.000Z',
      category: 'groceries',
      currency: 'USD',
    });
  });

  it('the cap limits what carries, in both directions', async () => {
    const user = await newUser(t);
    const terms = { amount: '100.00', period: 'monthly', startDate: '2026-01-01', rolloverCap: '25.00' };
    await budget(user, { ...terms, name: 'surplus', rollover: 'surplus' });
    await budget(user, { ...terms, name: 'deficit', rollover: 'surplus_and_deficit' });
    await spend(user, '60.00', '2026-01-10T00:00:00Z');
    await spend(user, '170.00', '2026-02-10T00:00:00Z');
    await spend(user, '50.00', '2026-03-10T00:00:00Z');

    t.clock.set('2026-02-20T00:00:00Z');
    let now = await overview(user);
    // 40.00 was left, 25.00 carries.
    for (const name of ['surplus', 'deficit']) {
      expect(figures(now[name])).toMatchObject({ rolledOver: '25.00', available: '125.00', remaining: '-45.00', status: 'over' });
    }
    t.clock.set(START);
    now = await overview(user);
    expect(figures(now.surplus)).toMatchObject({ rolledOver: '0.00', available: '100.00', remaining: '50.00' });
    // A 45.00 deficit carries as -25.00.
    expect(figures(now.deficit)).toMatchObject({ rolledOver: '-25.00', available: '75.00', spent: '50.00', remaining: '25.00', percentUsed: 66.66 });
  });

  it('weekly periods are ISO weeks from Monday 00:00 UTC', async () => {
    const user = await newUser(t);
    // 2026-03-11 is a Wednesday: the first week begins on Monday 2026-03-09.
    await budget(user, { name: 'week', amount: '50.00', period: 'weekly', startDate: '2026-03-11', rollover: 'surplus' });
    await spend(user, '7.00', '2026-03-08T23:59:59.999Z'); // the Sunday before: not in the budget
    await spend(user, '10.00', '2026-03-09T00:00:00Z');
    await spend(user, '20.00', '2026-03-15T23:59:59.999Z'); // the last instant of the week
    await spend(user, '5.00', '2026-03-16T00:00:00Z'); // the next Monday
    await spend(user, '3.00', '2026-03-16T00:30:00+01:00'); // 23:30 UTC on Sunday

    let week = (await overview(user)).week;
    expect(week).toMatchObject({
      periodStart: '2026-03-09T00:00:00.000Z',
      periodEnd: '2026-03-16T00:00:00.000Z',
      spent: '33.00',
      remaining: '17.00',
      percentUsed: 66,
      status: 'ok',
    });

    t.clock.set('2026-03-16T00:00:00Z');
    week = (await overview(user)).week;
    expect(figures(week)).toEqual({
      budgeted: '50.00',
      rolledOver: '17.00',
      available: '67.00',
      spent: '5.00',
      remaining: '62.00',
      percentUsed: 7.46,
      status: 'ok',
    });
    expect(week.periodStart).toBe('2026-03-16T00:00:00.000Z');
  });

  it('a month-start budget counts exactly its calendar month; the month holding the start date is the first, from its first day', async () => {
    const user = await newUser(t);
    await budget(user, { name: 'from the 1st', amount: '200.00', period: 'monthly', startDate: '2026-03-01' });
    await budget(user, { name: 'from the 10th', amount: '200.00', period: 'monthly', startDate: '2026-03-10' });
    await budget(user, { name: 'april', amount: '200.00', period: 'monthly', startDate: '2026-04-01' });
    await spend(user, '1.00', '2026-02-28T23:59:59.999Z');
    await spend(user, '2.00', '2026-03-01T00:00:00Z');
    await spend(user, '4.00', '2026-03-31T23:59:59.999Z');
    await spend(user, '8.00', '2026-04-01T00:00:00Z');

    const now = await overview(user);
    for (const name of ['from the 1st', 'from the 10th']) {
      expect(now[name]).toMatchObject({
        periodStart: '2026-03-01T00:00:00.000Z',
        periodEnd: '2026-04-01T00:00:00.000Z',
        spent: '6.00',
        remaining: '194.00',
        percentUsed: 3,
      });
    }
    // Not started yet: shown in its first period.
    expect(now.april).toMatchObject({ periodStart: '2026-04-01T00:00:00.000Z', rolledOver: '0.00', spent: '8.00' });
  });

  it('spending is expenses in the budget’s currency and category: not income, not transfers, not another user’s', async () => {
    const user = await newUser(t);
    const other = await newUser(t);
    const main = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
    const savings = (await call(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' })).json();
    const euros = (await call(t, user, 'POST', '/api/accounts', { name: 'Euros', type: 'checking', currency: 'EUR' })).json();
    await budget(user, { name: 'all', amount: '100.00', period: 'monthly', startDate: '2026-03-01' });
    await budget(user, { name: 'groceries', amount: '100.00', period: 'monthly', startDate: '2026-03-01', category: 'groceries' });
    await budget(user, { name: 'euro', amount: '100.00', currency: 'EUR', period: 'monthly', startDate: '2026-03-01' });
    await spend(user, '10.00', '2026-03-02T00:00:00Z', { category: 'groceries' });
    await spend(user, '15.00', '2026-03-02T00:00:00Z');
    await spend(user, '20.00', '2026-03-02T00:00:00Z', { accountId: euros.id });
    await call(t, user, 'POST', '/api/transactions', { type: 'income', amount: '50.00', occurredAt: '2026-03-03T00:00:00Z', category: 'refunds' });
    await call(t, user, 'POST', '/api/transactions', { type: 'income', amount: '5.00', occurredAt: '2026-03-03T00:00:00Z', category: 'groceries' });
    const moved = await call(t, user, 'POST', '/api/accounts/transfers', {
      fromAccountId: main.id,
      toAccountId: savings.id,
      amount: '30.00',
      occurredAt: '2026-03-04T00:00:00Z',
    });
    expect(moved.statusCode).toBe(201);
    await spend(other, '40.00', '2026-03-02T00:00:00Z', { category: 'groceries' });

    const now = await overview(user);
    expect(now.all.spent).toBe('25.00');
    expect(now.groceries.spent).toBe('10.00');
    expect(now.euro).toMatchObject({ currency: 'EUR', spent: '20.00' });
  });

  it('sums exactly: 0.10 + 0.20 is 0.30, and exactly 100% is a warning, not over', async () => {
    const user = await newUser(t);
    await budget(user, { name: 'tiny', amount: '0.30', period: 'monthly', startDate: '2026-03-01' });
    await spend(user, '0.10', '2026-03-05T00:00:00Z');
    await spend(user, 0.2, '2026-03-06T00:00:00Z');
    expect(figures((await overview(user)).tiny)).toEqual({
      budgeted: '0.30',
      rolledOver: '0.00',
      available: '0.30',
      spent: '0.30',
      remaining: '0.00',
      percentUsed: 100,
      status: 'warning',
    });
    await spend(user, '0.01', '2026-03-07T00:00:00Z');
    expect((await overview(user)).tiny).toMatchObject({ remaining: '-0.01', percentUsed: 103.33, status: 'over' });

    const yen = (await call(t, user, 'POST', '/api/accounts', { name: 'Yen', type: 'cash', currency: 'JPY' })).json();
    await budget(user, { name: 'yen', amount: '1000', currency: 'JPY', period: 'monthly', startDate: '2026-03-01' });
    for (let i = 0; i < 3; i++) await spend(user, 333, '2026-03-05T00:00:00Z', { accountId: yen.id });
    expect(figures((await overview(user)).yen)).toEqual({
      budgeted: '1000',
      rolledOver: '0',
      available: '1000',
      spent: '999',
      remaining: '1',
      percentUsed: 99.9,
      status: 'warning',
    });
  });

  it('with nothing available, percentUsed is null and the status says so', async () => {
    const user = await newUser(t);
    await budget(user, { name: 'deficit', amount: '100.00', period: 'monthly', startDate: '2026-02-01', rollover: 'surplus_and_deficit' });
    await spend(user, '250.00', '2026-02-10T00:00:00Z');
    expect(figures((await overview(user)).deficit)).toEqual({
      budgeted: '100.00',
      rolledOver: '-150.00',
      available: '-50.00',
      spent: '0.00',
      remaining: '-50.00',
      percentUsed: null,
      status: 'over',
    });
  });
});

describe('budget threshold events', () => {
  it('80% and 100% are recorded once per threshold and period, however many transactions cross them', async () => {
    const user = await newUser(t);
    const food = await budget(user, { name: 'food', amount: '100.00', period: 'monthly', category: 'groceries', startDate: '2026-03-01' });
    const at = '2026-03-10T00:00:00Z';
    await spend(user, '50.00', at, { category: 'groceries' });
    await spend(user, '29.99', at, { category: 'groceries' }); // 79.99%
    expect(await events(user, food.id)).toEqual([]);
    t.clock.advance(60_000);
    await spend(user, '5.01', at, { category: 'groceries' }); // 85%
    t.clock.advance(60_000);
    await spend(user, '5.00', at, { category: 'groceries' }); // 90%
    await spend(user, '10.00', at, { category: 'groceries' }); // exactly 100%: not past it
    await spend(user, '500.00', at, { category: 'dining' }); // another category
    expect(await events(user, food.id)).toEqual([{ periodStart: '2026-03-01', threshold: 80, spent: '85.00', available: '100.00' }]);
    t.clock.advance(60_000);
    await spend(user, '0.01', at, { category: 'groceries' });
    await spend(user, '20.00', at, { category: 'groceries' });
    const list = (await call(t, user, 'GET', `/api/budgets/${food.id}/events`)).json();
    expect(list.items).toMatchObject([
      {
        budgetId: food.id,
        periodStart: '2026-03-01',
        threshold: 100,
        spent: '100.01',
        available: '100.00',
        currency: 'USD',
        crossedAt: '2026-03-15T12:03:00.000Z',
      },
      { threshold: 80, spent: '85.00', crossedAt: '2026-03-15T12:01:00.000Z' },
    ]);
    expect(list.nextCursor).toBeNull();

    // The next period starts afresh.
    t.clock.set('2026-04-02T00:00:00Z');
    await spend(user, '95.00', '2026-04-01T00:00:00Z', { category: 'groceries' });
    await spend(user, '1.00', '2026-04-01T00:00:00Z', { category: 'groceries' });
    expect(await events(user, food.id)).toEqual([
      { periodStart: '2026-04-01', threshold: 80, spent: '95.00', available: '100.00' },
      { periodStart: '2026-03-01', threshold: 100, spent: '100.01', available: '100.00' },
      { periodStart: '2026-03-01', threshold: 80, spent: '85.00', available: '100.00' },
    ]);
    const page = (await call(t, user, 'GET', `/api/budgets/${food.id}/events?limit=2`)).json();
    expect(page.items).toHaveLength(2);
    const rest = (await call(t, user, 'GET', `/api/budgets/${food.id}/events?limit=2&cursor=${page.nextCursor}`)).json();
    expect(rest.items.map((e: { threshold: number }) => e.threshold)).toEqual([80]);
    expect(rest.nextCursor).toBeNull();
  });

  it('concurrent transactions that cross together record each threshold once', async () => {
    const user = await newUser(t);
    const all = await budget(user, { name: 'all', amount: '100.00', period: 'monthly', startDate: '2026-03-01' });
    await call(t, user, 'GET', '/api/accounts'); // the default account exists before the race
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '9.00', occurredAt: '2026-03-05T00:00:00Z' })),
    );
    for (const response of responses) expect(response.statusCode).toBe(201);
    const recorded = await events(user, all.id);
    expect(recorded.map((e: { threshold: number }) => e.threshold).sort()).toEqual([100, 80]);
    expect((await overview(user)).all).toMatchObject({ spent: '108.00', status: 'over' });
  });

  it('two expenses that cross 80% only together record it, however their statements interleave', async () => {
    for (let round = 0; round < 5; round += 1) {
      const user = await newUser(t);
      const all = await budget(user, { name: 'all', amount: '100.00', period: 'monthly', startDate: '2026-03-01' });
      await call(t, user, 'GET', '/api/accounts');
      const responses = await Promise.all(
        ['45.00', '45.00'].map((amount) => call(t, user, 'POST', '/api/transactions', { type: 'expense', amount, occurredAt: '2026-03-05T00:00:00Z' })),
      );
      for (const response of responses) expect(response.statusCode).toBe(201);
      expect(await events(user, all.id)).toEqual([{ periodStart: '2026-03-01', threshold: 80, spent: '90.00', available: '100.00' }]);
    }
  });

  it('changing a transaction (PATCH) can cross a threshold', async () => {
    const user = await newUser(t);
    const food = await budget(user, { name: 'food', amount: '100.00', period: 'monthly', category: 'groceries', startDate: '2026-03-01' });
    const tx = await spend(user, '10.00', '2026-03-05T00:00:00Z', { category: 'dining' });
    expect((await call(t, user, 'PATCH', `/api/transactions/${tx.id}`, { category: 'groceries', amount: '85.00' })).statusCode).toBe(200);
    expect(await events(user, food.id)).toEqual([{ periodStart: '2026-03-01', threshold: 80, spent: '85.00', available: '100.00' }]);
    const income = (await call(t, user, 'POST', '/api/transactions', { type: 'income', amount: '30.00', occurredAt: '2026-03-05T00:00:00Z' })).json();
    expect((await call(t, user, 'PATCH', `/api/transactions/${income.id}`, { type: 'expense', category: 'groceries' })).statusCode).toBe(200);
    expect((await events(user, food.id)).map((e: { threshold: number }) => e.threshold)).toEqual([100, 80]);
  });

  it('a backdated expense that shrinks the rollover can cross a threshold in the current period', async () => {
    const user = await newUser(t);
    const flex = await budget(user, { name: 'flex', amount: '100.00', period: 'monthly', startDate: '2026-02-01', rollover: 'surplus_and_deficit' });
    await spend(user, '100.00', '2026-02-10T00:00:00Z');
    await spend(user, '75.00', '2026-03-05T00:00:00Z');
    // February is past: crossing its thresholds now alerts nobody.
    expect(await events(user, flex.id)).toEqual([]);
    // February goes 10.00 over, so March has 90.00: 75/90 is 83%.
    await spend(user, '10.00', '2026-02-11T00:00:00Z');
    expect(await events(user, flex.id)).toEqual([{ periodStart: '2026-03-01', threshold: 80, spent: '75.00', available: '90.00' }]);
  });

  it('a budget created or lowered past a threshold records it for the current period', async () => {
    const user = await newUser(t);
    await spend(user, '70.00', '2026-03-05T00:00:00Z', { category: 'groceries' });
    await spend(user, '70.00', '2026-02-05T00:00:00Z', { category: 'groceries' });
    const food = await budget(user, { name: 'food', amount: '100.00', period: 'monthly', category: 'groceries', startDate: '2026-01-01' });
    expect(await events(user, food.id)).toEqual([]);
    const replaced = await call(t, user, 'PUT', `/api/budgets/${food.id}`, {
      name: 'food',
      amount: '80.00',
      currency: 'USD',
      period: 'monthly',
      category: 'groceries',
      startDate: '2026-01-01',
      rollover: 'none',
    });
    expect(replaced.statusCode).toBe(200);
    // Only the current period is checked: February's 87.5% is history.
    expect(await events(user, food.id)).toEqual([{ periodStart: '2026-03-01', threshold: 80, spent: '70.00', available: '80.00' }]);
    const tight = await budget(user, { name: 'tight', amount: '50.00', period: 'monthly', category: 'groceries', startDate: '2026-03-01' });
    expect((await events(user, tight.id)).map((e: { threshold: number }) => e.threshold)).toEqual(expect.arrayContaining([80, 100]));
  });

  it('deleting a budget deletes its events and leaves the transactions', async () => {
    const user = await newUser(t);
    const all = await budget(user, { name: 'all', amount: '10.00', period: 'monthly', startDate: '2026-03-01' });
    await spend(user, '20.00', '2026-03-05T00:00:00Z');
    expect(await events(user, all.id)).toHaveLength(2);
    expect((await call(t, user, 'DELETE', `/api/budgets/${all.id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'GET', `/api/budgets/${all.id}/events`)).statusCode).toBe(404);
    expect((await call(t, user, 'GET', '/api/transactions')).json().items).toHaveLength(1);
  });
});
