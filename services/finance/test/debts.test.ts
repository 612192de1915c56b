import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.clock.set('2026-03-15T12:00:00.000Z');
});

const OTHER_ID = '0190a000-0000-7000-8000-000000000000';

async function newDebt(user: TestUser, body: Record<string, unknown> = {}) {
  const response = await call(t, user, 'POST', '/api/debts', {
    name: 'Car loan',
    kind: 'loan',
    balance: '500.00',
    annualRate: '18',
    minimumPayment: '100.00',
    dueDay: 10,
    ...body,
  });
  expect(response.statusCode).toBe(201);
  return response.json();
}

const pay = (user: TestUser, debtId: string, body: Record<string, unknown>) => call(t, user, 'POST', `/api/debts/${debtId}/payments`, body);

// The schedule of 500.00 at 18% (1.5% a month), minimum 100.00, due on the 10th, owed from
// 15 March 2026; computed by hand in amortisation.test.ts:
//  2026-04-10  500.00 x 1.5% x 26/31 days = 6.29032 -> 6.29   principal 93.71  balance 406.29
//  2026-05-10  406.29 x 1.5% = 6.09435 -> 6.09                principal 93.91  balance 312.38
//  2026-06-10  312.38 x 1.5% = 4.68570 -> 4.69                principal 95.31  balance 217.07
//  2026-07-10  217.07 x 1.5% = 3.25605 -> 3.26                principal 96.74  balance 120.33
//  2026-08-10  120.33 x 1.5% = 1.80495 -> 1.80                principal 98.20  balance  22.13
//  2026-09-10   22.13 x 1.5% = 0.33195 -> 0.33  pays 22.46    principal 22.13  balance   0.00
const HAND_SCHEDULE = [
  { date: '2026-04-10', payment: '100.00', interest: '6.29', principal: '93.71', balance: '406.29' },
  { date: '2026-05-10', payment: '100.00', interest: '6.09', principal: '93.91', balance: '312.38' },
  { date: '2026-06-10', payment: '100.00', interest: '4.69', principal: '95.31', balance: '217.07' },
  { date: '2026-07-10', payment: '100.00', interest: '3.26', principal: '96.74', balance: '120.33' },
  { date: '2026-08-10', payment: '100.00', interest: '1.80', principal: '98.20', balance: '22.13' },
  { date: '2026-09-10', payment: '22.46', interest: '0.33', principal: '22.13', balance: '0.00' },
];

describe('/api/debts', () => {
  it('creates a loan and a credit card with exact rates and money', async () => {
    const user = await newUser(t);
    const loan = await newDebt(user);
    expect(loan).toMatchObject({
      name: 'Car loan',
      kind: 'loan',
      currency: 'USD',
      balance: '500.00',
      openingBalance: '500.00',
      startDate: '2026-03-15',
      annualRate: '18',
      minimumPayment: '100.00',
      dueDay: 10,
      interestPaid: '0.00',
      lastPaymentDate: null,
      accruedInterest: '0.00',
    });
    const card = await newDebt(user, {
      name: 'Visa',
      kind: 'credit_card',
      balance: 1234.56,
      annualRate: 19.99,
      minimumPayment: '35',
      dueDay: 31,
      currency: 'EUR',
    });
    expect(card).toMatchObject({ kind: 'credit_card', currency: 'EUR', balance: '1234.56', annualRate: '19.99', minimumPayment: '35.00', dueDay: 31 });
    expect((await call(t, user, 'GET', `/api/debts/${loan.id}`)).json()).toEqual(loan);
    const list = (await call(t, user, 'GET', '/api/debts')).json();
    expect(list.items.map((d: { name: string }) => d.name)).toEqual(['Visa', 'Car loan']);
    expect(list.nextCursor).toBeNull();
  });

  it('gives the hand-computed amortisation schedule', async () => {
    const user = await newUser(t);
    const debt = await newDebt(user);
    const response = await call(t, user, 'GET', `/api/debts/${debt.id}/schedule`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      debtId: debt.id,
      currency: 'USD',
      payments: HAND_SCHEDULE,
      payoffDate: '2026-09-10',
      totalInterest: '22.46',
      totalPaid: '522.46',
    });
  });

  it('splits payments into interest and principal; paying on the due dates follows the schedule', async () => {
    const user = await newUser(t);
    const debt = await newDebt(user);
    t.clock.set('2026-04-10T08:00:00.000Z');
    expect((await call(t, user, 'GET', `/api/debts/${debt.id}`)).json()).toMatchObject({ accruedInterest: '6.29', balance: '500.00' });
    const first = await pay(user, debt.id, { amount: '100.00' });
    expect(first.statusCode).toBe(201);
    expect(first.json().payment).toMatchObject({
      debtId: debt.id,
      amount: '100.00',
      interest: '6.29',
      principal: '93.71',
      balance: '406.29',
      paidAt: '2026-04-10',
    });
    expect(first.json().debt).toMatchObject({ balance: '406.29', interestPaid: '6.29', lastPaymentDate: '2026-04-10', accruedInterest: '0.00' });

    t.clock.set('2026-05-10T20:00:00.000Z');
    const second = await pay(user, debt.id, { amount: 100, paidAt: '2026-05-10T20:00:00Z' });
    expect(second.json().payment).toMatchObject({ interest: '6.09', principal: '93.91', balance: '312.38', paidAt: '2026-05-10' });

    // The rest of the schedule is the rest of the hand-computed one.
    const rest = (await call(t, user, 'GET', `/api/debts/${debt.id}/schedule`)).json();
    expect(rest.payments).toEqual(HAND_SCHEDULE.slice(2));
    expect(rest.totalInterest).toBe('10.08');

    const payments = (await call(t, user, 'GET', `/api/debts/${debt.id}/payments`)).json();
    expect(payments.items).toEqual([
      expect.objectContaining({ amount: '100.00', interest: '6.09', principal: '93.91', balance: '312.38', paidAt: '2026-05-10' }),
      expect.objectContaining({ amount: '100.00', interest: '6.29', principal: '93.71', balance: '406.29', paidAt: '2026-04-10' }),
    ]);
    const paged = (await call(t, user, 'GET', `/api/debts/${debt.id}/payments?limit=1`)).json();
    expect(paged.items[0].paidAt).toBe('2026-05-10');
    const next = (await call(t, user, 'GET', `/api/debts/${debt.id}/payments?limit=1&cursor=${paged.nextCursor}`)).json();
    expect(next).toMatchObject({ items: [{ paidAt: '2026-04-10' }], nextCursor: null });
  });

  it('prorates a partial period by days and compounds at due dates (hand-computed)', async () => {
    const user = await newUser(t);
    t.clock.set('2026-03-16T10:00:00.000Z');
    // 1,000.00 at 12%, due on the 1st, owed since 1 January; paid 16 March:
    //   Jan: 10.00 -> 1,010.00; Feb: 10.10 -> 1,020.10; 1-16 Mar: 1,020.10 x 1% x 15/31 = 4.94
    //   interest 25.04, so 100.00 pays 25.04 interest and 74.96 principal: 925.04 left.
    const debt = await newDebt(user, { balance: '1000.00', annualRate: '12', minimumPayment: '50.00', dueDay: 1, startDate: '2026-01-01' });
    expect(debt.accruedInterest).toBe('25.04');
    const response = await pay(user, debt.id, { amount: '100.00' });
    expect(response.json().payment).toMatchObject({ interest: '25.04', principal: '74.96', balance: '925.04' });
    // A second payment the same day owes no new interest.
    expect((await pay(user, debt.id, { amount: '0.04' })).json().payment).toMatchObject({ interest: '0.00', principal: '0.04', balance: '925.00' });
  });

  it('a payment smaller than the interest leaves the rest of the interest on the balance', async () => {
    const user = await newUser(t);
    t.clock.set('2026-03-16T10:00:00.000Z');
    const debt = await newDebt(user, { balance: '1000.00', annualRate: '12', minimumPayment: '50.00', dueDay: 1, startDate: '2026-01-01' });
    const response = await pay(user, debt.id, { amount: '10.00' });
    expect(response.json().payment).toMatchObject({ interest: '25.04', principal: '-15.04', balance: '1015.04' });
    expect(response.json().debt).toMatchObject({ balance: '1015.04', interestPaid: '25.04' });
  });

  it('two payments at once are split one after the other', async () => {
    const user = await newUser(t);
    const debt = await newDebt(user, { startDate: '2026-03-10' });
    // 500.00 from 10 to 15 March, the period 10 March -> 10 April being 31 days:
    // 7.50 x 5/31 = 1.2097 -> 1.21. Whichever pays first pays it; the other pays none.
    const both = await Promise.all([pay(user, debt.id, { amount: '50.00' }), pay(user, debt.id, { amount: '50.00' })]);
    for (const r of both) expect(r.statusCode).toBe(201);
    const interests = both.map((r) => r.json().payment.interest).sort();
    expect(interests).toEqual(['0.00', '1.21']);
    expect((await call(t, user, 'GET', `/api/debts/${debt.id}`)).json()).toMatchObject({ balance: '401.21', interestPaid: '1.21' });
  });

  it('refuses payments that overpay, predate the last one, or come from the future; nothing is written', async () => {
    const user = await newUser(t);
    const debt = await newDebt(user, { startDate: '2026-03-01' });
    // 500.00 at 1.5% a month from 1 to 15 March, across the due date of 10 March:
    //   1 -> 10 Mar, 9 days of the 28-day period 10 Feb -> 10 Mar: 7.50 x 9/28 = 2.4107 -> 2.41 (502.41)
    //   10 -> 15 Mar, 5 days of the 31-day period 10 Mar -> 10 Apr: 502.41 x 1.5% x 5/31 = 1.2155 -> 1.22
    //   owed 500.00 + 2.41 + 1.22 = 503.63
    const over = await pay(user, debt.id, { amount: '503.64' });
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({ code: 'overpayment' });
    expect(over.json().detail).toContain('503.63');
    expect((await pay(user, debt.id, { amount: '1.00', paidAt: '2026-02-28' })).json()).toMatchObject({ code: 'payment_out_of_order' });
    const future = await pay(user, debt.id, { amount: '1.00', paidAt: '2026-03-16' });
    expect(future.statusCode).toBe(400);
    expect(future.json().errors[0]).toMatchObject({ field: 'paidAt' });
    expect((await pay(user, debt.id, { amount: '1.00', currency: 'EUR' })).statusCode).toBe(422);
    for (const body of [{ amount: '0' }, { amount: '-5.00' }, { amount: '1.001' }, { amount: '1', paidAt: '2026-02-30' }, { amount: '1', note: 'x' }, {}]) {
      expect((await pay(user, debt.id, body)).statusCode).toBe(400);
    }
    // Year 1 passed the date-time format and failed in the database: a 500 before.
    for (const paidAt of ['0001-01-01T00:00:00Z', '0000-01-01']) {
      const ancient = await pay(user, debt.id, { amount: '1.00', paidAt });
      expect(ancient.statusCode, paidAt).toBe(400);
      expect(ancient.json().errors[0], paidAt).toMatchObject({ field: 'paidAt', message: expect.stringContaining('1900 through 2999') });
    }
    expect((await call(t, user, 'GET', `/api/debts/${debt.id}/payments`)).json().items).toEqual([]);

    const full = await pay(user, debt.id, { amount: '503.63', paidAt: '2026-03-15' });
    expect(full.json().debt).toMatchObject({ balance: '0.00', interestPaid: '3.63' });
    expect((await pay(user, debt.id, { amount: '0.01' })).json()).toMatchObject({ code: 'debt_paid_off' });
    const paidOff = (await call(t, user, 'GET', `/api/debts/${debt.id}/schedule`)).json();
    expect(paidOff).toMatchObject({ payments: [], payoffDate: null, totalInterest: '0.00' });
  });

  it('refuses a schedule the minimum can never finish, with a clear message', async () => {
    const user = await newUser(t);
    // 1,000.00 at 12%: 10.00 of interest a month, and the minimum is 10.00.
    const debt = await newDebt(user, { name: 'Store card', kind: 'credit_card', balance: '1000.00', annualRate: '12', minimumPayment: '10.00', dueDay: 15 });
    const response = await call(t, user, 'GET', `/api/debts/${debt.id}/schedule`);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'minimum_below_interest' });
    expect(response.json().detail).toBe(
      '"Store card" would never be paid off: its minimum payment of 10.00 USD does not cover the monthly interest of 10.00 USD; raise the minimum payment',
    );
    expect((await call(t, user, 'GET', '/api/debts/plan')).json()).toMatchObject({ code: 'minimum_below_interest' });
    const withExtra = await call(t, user, 'GET', '/api/debts/plan?extra=100');
    expect(withExtra.statusCode).toBe(200);
    expect(withExtra.json()).toMatchObject({ monthlyBudget: '110.00', minimumOnly: null, interestSaved: null });
    expect(withExtra.json().order).toMatchObject([{ name: 'Store card', monthsToClear: 10 }]);
    const raised = await call(t, user, 'PATCH', `/api/debts/${debt.id}`, { minimumPayment: '60.00' });
    expect(raised.statusCode).toBe(200);
    expect((await call(t, user, 'GET', `/api/debts/${debt.id}/schedule`)).statusCode).toBe(200);
  });

  it('PATCH changes terms; balance and start date only before the first payment', async () => {
    const user = await newUser(t);
    const debt = await newDebt(user);
    const changed = await call(t, user, 'PATCH', `/api/debts/${debt.id}`, {
      name: 'Auto',
      annualRate: '7.125',
      dueDay: 31,
      balance: '450.00',
      startDate: '2026-03-01',
    });
    expect(changed.json()).toMatchObject({
      name: 'Auto',
      annualRate: '7.125',
      dueDay: 31,
      balance: '450.00',
      openingBalance: '450.00',
      startDate: '2026-03-01',
    });
    await pay(user, debt.id, { amount: '10.00' });
    const refused = await call(t, user, 'PATCH', `/api/debts/${debt.id}`, { balance: '400.00' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'debt_has_payments' });
    expect((await call(t, user, 'PATCH', `/api/debts/${debt.id}`, { currency: 'EUR' })).statusCode).toBe(400);
    expect((await call(t, user, 'PATCH', `/api/debts/${debt.id}`, {})).statusCode).toBe(400);
    expect((await call(t, user, 'PATCH', `/api/debts/${debt.id}`, { annualRate: '7.12345' })).json().errors[0]).toMatchObject({ field: 'annualRate' });
  });

  it('refuses bad input with 400 naming the fields, and writes nothing', async () => {
    const user = await newUser(t);
    const bad = await call(t, user, 'POST', '/api/debts', {
      name: '',
      kind: 'mortgage',
      balance: '10',
      annualRate: '12.34567',
      minimumPayment: '1',
      dueDay: 32,
      currency: 'usd',
      startDate: '2026-02-30',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['name', 'kind', 'annualRate', 'dueDay', 'currency', 'startDate']),
    );
    const base = { name: 'x', kind: 'loan', balance: '10.00', annualRate: '5', minimumPayment: '1.00', dueDay: 1 };
    for (const [field, value] of [
      ['balance', '-1.00'],
      ['balance', '1.001'],
      ['minimumPayment', '0'],
      ['annualRate', '-1'],
      ['annualRate', 'lots'],
      ['dueDay', 0],
      ['startDate', '2026-03-16'],
      // Year 0 passed the date format and failed in the database: a 500 before.
      ['startDate', '0000-01-01'],
    ] as const) {
      const response = await call(t, user, 'POST', '/api/debts', { ...base, [field]: value });
      expect(response.statusCode, `${field}=${String(value)}`).toBe(400);
      expect(response.json().errors[0].field).toBe(field);
    }
    expect((await call(t, user, 'GET', '/api/debts')).json().items).toEqual([]);
    expect((await call(t, user, 'GET', '/api/debts/plan?strategy=fastest')).statusCode).toBe(400);
    const extra = await call(t, user, 'GET', '/api/debts/plan?extra=-5');
    expect(extra.statusCode).toBe(400);
    expect(extra.json().errors[0]).toMatchObject({ field: 'extra', in: 'querystring' });
    expect((await call(t, user, 'GET', '/api/debts/plan?extra=1.001')).statusCode).toBe(400);
  });

  it('another user’s debt is 404 on every route, also inside the payments path', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const debt = await newDebt(alice);
    await pay(alice, debt.id, { amount: '10.00' });
    expect((await call(t, bob, 'GET', `/api/debts/${debt.id}`)).statusCode).toBe(404);
    expect((await call(t, bob, 'PATCH', `/api/debts/${debt.id}`, { name: 'Mine' })).statusCode).toBe(404);
    expect((await call(t, bob, 'DELETE', `/api/debts/${debt.id}`)).statusCode).toBe(404);
    expect((await pay(bob, debt.id, { amount: '5.00' })).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', `/api/debts/${debt.id}/payments`)).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', `/api/debts/${debt.id}/schedule`)).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', `/api/debts/${OTHER_ID}/schedule`)).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', '/api/debts')).json().items).toEqual([]);
    expect((await call(t, bob, 'GET', '/api/debts/plan')).json()).toMatchObject({ order: [], totalInterest: '0.00' });
    expect((await call(t, alice, 'GET', `/api/debts/${debt.id}`)).json()).toMatchObject({ name: 'Car loan', balance: '490.00' });
    expect((await call(t, alice, 'GET', `/api/debts/${debt.id}/payments`)).json().items).toHaveLength(1);
  });

  it('deletes a debt with its payments', async () => {
    const user = await newUser(t);
    const debt = await newDebt(user);
    await pay(user, debt.id, { amount: '10.00' });
    expect((await call(t, user, 'DELETE', `/api/debts/${debt.id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'GET', `/api/debts/${debt.id}`)).statusCode).toBe(404);
    expect(await t.ctx.db.selectFrom('debt_payments').select('id').where('debt_id', '=', debt.id).execute()).toEqual([]);
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/debts/plan' })).statusCode).toBe(401);
  });
});

describe('/api/debts/plan', () => {
  async function threeDebts(user: TestUser) {
    await newDebt(user, { name: 'Car', kind: 'loan', balance: '500.00', annualRate: '10', minimumPayment: '25.00', dueDay: 5 });
    await newDebt(user, { name: 'Card', kind: 'credit_card', balance: '2000.00', annualRate: '24.9', minimumPayment: '60.00', dueDay: 20 });
    await newDebt(user, { name: 'Store', kind: 'credit_card', balance: '1200.00', annualRate: '18', minimumPayment: '40.00', dueDay: 12 });
  }

  it('avalanche targets the highest rate first, snowball the smallest balance; both beat minimums only', async () => {
    const user = await newUser(t);
    await threeDebts(user);
    const avalanche = await call(t, user, 'GET', '/api/debts/plan?strategy=avalanche&extra=100');
    expect(avalanche.statusCode).toBe(200);
    const snowball = (await call(t, user, 'GET', '/api/debts/plan?strategy=snowball&extra=100.00')).json();
    const a = avalanche.json();

    expect(a.order.map((d: { name: string }) => d.name)).toEqual(['Card', 'Store', 'Car']);
    expect(snowball.order.map((d: { name: string }) => d.name)).toEqual(['Car', 'Store', 'Card']);
    expect(a).toMatchObject({ strategy: 'avalanche', currency: 'USD', extra: '100.00', monthlyBudget: '225.00' });

    // Each target clears before the next one, the freed minimums rolling over.
    const months = (plan: { order: { monthsToClear: number }[] }) => plan.order.map((d) => d.monthsToClear);
    expect(months(a)).toEqual([15, 19, 20]);
    expect(months(snowball)).toEqual([5, 12, 20]);
    expect(a.order.map((d: { clearedMonth: string }) => d.clearedMonth)).toEqual(['2027-05', '2027-10', '2027-11']);
    expect(snowball.order.map((d: { clearedMonth: string }) => d.clearedMonth)).toEqual(['2026-08', '2027-03', '2027-10']);

    // The same baseline for both; avalanche pays less interest on it (597.97 against 720.35).
    expect(a.minimumOnly).toEqual(snowball.minimumOnly);
    expect(a.minimumOnly).toEqual({ months: 56, payoffDate: '2030-10-20', totalInterest: '1780.68' });
    expect(a).toMatchObject({ totalInterest: '597.97', interestSaved: '1182.71', months: 20 });
    expect(snowball).toMatchObject({ totalInterest: '720.35', interestSaved: '1060.33', months: 20 });
    // The interest of each debt adds up to the total, exactly.
    const cents = (text: string) => BigInt(text.replace('.', ''));
    expect(a.order.reduce((sum: bigint, d: { interest: string }) => sum + cents(d.interest), 0n)).toBe(cents(a.totalInterest));
  });

  it('without extra the rolled-over minimums alone still save interest', async () => {
    const user = await newUser(t);
    await threeDebts(user);
    const plan = (await call(t, user, 'GET', '/api/debts/plan?strategy=avalanche')).json();
    expect(plan).toMatchObject({ extra: '0.00', monthlyBudget: '125.00', totalInterest: '1556.94', interestSaved: '223.74' });
  });

  it('plans one currency at a time', async () => {
    const user = await newUser(t);
    await threeDebts(user);
    await newDebt(user, { name: 'Euro card', kind: 'credit_card', balance: '300.00', annualRate: '15', minimumPayment: '30.00', dueDay: 1, currency: 'EUR' });
    const mixed = await call(t, user, 'GET', '/api/debts/plan?strategy=snowball');
    expect(mixed.statusCode).toBe(422);
    expect(mixed.json()).toMatchObject({ code: 'currency_required' });
    expect(mixed.json().detail).toContain('EUR, USD');
    const euro = (await call(t, user, 'GET', '/api/debts/plan?strategy=snowball&currency=EUR&extra=10')).json();
    expect(euro).toMatchObject({ currency: 'EUR', extra: '10.00', monthlyBudget: '40.00' });
    expect(euro.order.map((d: { name: string }) => d.name)).toEqual(['Euro card']);
    const dollars = (await call(t, user, 'GET', '/api/debts/plan?currency=USD')).json();
    expect(dollars.order).toHaveLength(3);
  });

  it('leaves paid-off debts out', async () => {
    const user = await newUser(t);
    await newDebt(user, { name: 'Done', balance: '0', minimumPayment: '10.00' });
    const open = await newDebt(user, { name: 'Open', balance: '100.00', annualRate: '0', minimumPayment: '40.00', dueDay: 20 });
    const plan = (await call(t, user, 'GET', '/api/debts/plan?strategy=snowball')).json();
    expect(plan.order).toEqual([expect.objectContaining({ debtId: open.id, clearedOn: '2026-05-20', monthsToClear: 3, interest: '0.00' })]);
    expect(plan).toMatchObject({ monthlyBudget: '40.00', totalInterest: '0.00', interestSaved: '0.00', payoffDate: '2026-05-20' });
  });
});
