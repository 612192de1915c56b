import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { recordUserTimeZone } from '../src/users/time-zone.js';
import { createTestFinance, type TestFinance } from './helpers.js';

// Goals' and debts' "today" is the user's calendar day, as budgets' is. Around one UTC midnight:
// at 23:00 UTC on 31 March it is already 1 April in Auckland (UTC+13); at 02:00 UTC on 1 April it
// is still 31 March in Los Angeles (UTC-7). A user finance has no zone for counts in UTC.
const BEFORE_UTC_MIDNIGHT = '2026-03-31T23:00:00.000Z';
const AFTER_UTC_MIDNIGHT = '2026-04-01T02:00:00.000Z';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-20T00:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.clock.set('2026-03-20T00:00:00.000Z');
});

async function userIn(timeZone: string | null): Promise<TestUser> {
  const user = await newUser(t);
  if (timeZone !== null) expect(await recordUserTimeZone(t.ctx.db, { userId: user.id, timeZone, changedAt: t.clock.now() })).toBe(true);
  return user;
}

async function created(user: TestUser, url: string, body: Record<string, unknown>) {
  const response = await call(t, user, 'POST', url, body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

function expectRefused(response: { statusCode: number; json: () => { errors: { field: string; code?: string }[] } }, field: string, code: string) {
  expect(response.statusCode).toBe(400);
  expect(response.json().errors[0]).toMatchObject({ field, code });
}

describe('goals count days in the user’s zone', () => {
  it('at 23:00 UTC on 31 March an Auckland goal due 31 March has passed; a UTC one has a month left', async () => {
    const auckland = await userIn('Pacific/Auckland');
    const utc = await userIn(null);
    const goals = [];
    for (const user of [auckland, utc]) {
      const goal = await created(user, '/api/goals', { name: 'Trip', targetAmount: '300.00', deadline: '2026-03-31' });
      await created(user, `/api/goals/${goal.id}/contributions`, { amount: '100.00' });
      goals.push(goal);
    }
    t.clock.set(BEFORE_UTC_MIDNIGHT);
    const [inAuckland, inUtc] = [
      (await call(t, auckland, 'GET', `/api/goals/${goals[0].id}`)).json(),
      (await call(t, utc, 'GET', `/api/goals/${goals[1].id}`)).json(),
    ];
    // Saved 100.00 from 20 March: Auckland's 13th day (26 more to go), UTC's 12th (24 more).
    expect(inAuckland).toMatchObject({ deadlinePassed: true, monthsLeft: 0, monthlyNeeded: null, projectedCompletion: '2026-04-27' });
    expect(inUtc).toMatchObject({ deadlinePassed: false, monthsLeft: 1, monthlyNeeded: '200.00', projectedCompletion: '2026-04-24' });
    // The list and a contribution's answer say the same.
    expect((await call(t, auckland, 'GET', '/api/goals')).json().items[0]).toMatchObject({ deadlinePassed: true });
    expect((await created(auckland, `/api/goals/${goals[0].id}/contributions`, { amount: '1.00' })).goal).toMatchObject({ deadlinePassed: true });

    // A deadline of 31 March is in the past for Auckland already, not yet for UTC.
    expectRefused(
      await call(t, auckland, 'POST', '/api/goals', { name: 'Late', targetAmount: '1.00', deadline: '2026-03-31' }),
      'deadline',
      'deadline_in_past',
    );
    expectRefused(await call(t, auckland, 'PATCH', `/api/goals/${goals[0].id}`, { deadline: '2026-03-31' }), 'deadline', 'deadline_in_past');
    await created(utc, '/api/goals', { name: 'Late', targetAmount: '1.00', deadline: '2026-03-31' });
  });

  it('at 02:00 UTC on 1 April a Los Angeles user may still set a deadline of 31 March, and its first contribution is of 31 March', async () => {
    const la = await userIn('America/Los_Angeles');
    const utc = await userIn(null);
    t.clock.set(AFTER_UTC_MIDNIGHT);
    const due = await created(la, '/api/goals', { name: 'Gift', targetAmount: '50.00', deadline: '2026-03-31' });
    expect(due).toMatchObject({ deadlinePassed: false, monthsLeft: 1, monthlyNeeded: '50.00' });
    expectRefused(await call(t, utc, 'POST', '/api/goals', { name: 'Gift', targetAmount: '50.00', deadline: '2026-03-31' }), 'deadline', 'deadline_in_past');

    // 10.00 of 100.00 saved today: 9 more days at that rate, from Los Angeles' 31 March (UTC's 1 April).
    for (const [user, expected] of [
      [la, '2026-04-09'],
      [utc, '2026-04-10'],
    ] as const) {
      const goal = await created(user, '/api/goals', { name: 'Bike', targetAmount: '100.00' });
      const answer = await created(user, `/api/goals/${goal.id}/contributions`, { amount: '10.00' });
      expect(answer.goal.projectedCompletion).toBe(expected);
    }
  });
});

describe('debts count days in the user’s zone', () => {
  // 500.00 at 0%, 100.00 a month due on the 31st (the 30th in April and June), owed from 1 March.
  const loan = { name: 'Loan', kind: 'loan', balance: '500.00', annualRate: '0', minimumPayment: '100.00', dueDay: 31, startDate: '2026-03-01' };

  it('at 02:00 UTC on 1 April a Los Angeles debt still falls due on 31 March: schedule, plan, payments', async () => {
    const la = await userIn('America/Los_Angeles');
    const utc = await userIn(null);
    const laDebt = await created(la, '/api/debts', loan);
    const utcDebt = await created(utc, '/api/debts', loan);
    t.clock.set(AFTER_UTC_MIDNIGHT);

    const laSchedule = (await call(t, la, 'GET', `/api/debts/${laDebt.id}/schedule`)).json();
    const utcSchedule = (await call(t, utc, 'GET', `/api/debts/${utcDebt.id}/schedule`)).json();
    expect(laSchedule.payments.map((p: { date: string }) => p.date)).toEqual(['2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30', '2026-07-31']);
    expect(laSchedule.payoffDate).toBe('2026-07-31');
    expect(utcSchedule.payoffDate).toBe('2026-08-31');
    expect((await call(t, la, 'GET', '/api/debts/plan')).json()).toMatchObject({ payoffDate: '2026-07-31' });
    expect((await call(t, utc, 'GET', '/api/debts/plan')).json()).toMatchObject({ payoffDate: '2026-08-31' });

    // 1 April is tomorrow in Los Angeles; a payment without a day is of 31 March there.
    expectRefused(await call(t, la, 'POST', `/api/debts/${laDebt.id}/payments`, { amount: '100.00', paidAt: '2026-04-01' }), 'paidAt', 'date_in_future');
    expect((await created(la, `/api/debts/${laDebt.id}/payments`, { amount: '100.00' })).payment).toMatchObject({ paidAt: '2026-03-31' });
    expect((await created(utc, `/api/debts/${utcDebt.id}/payments`, { amount: '100.00' })).payment).toMatchObject({ paidAt: '2026-04-01' });
    // A timestamp is the day it was in the user's zone.
    const other = await created(la, '/api/debts', loan);
    const stamped = await created(la, `/api/debts/${other.id}/payments`, { amount: '50.00', paidAt: '2026-04-01T01:00:00Z' });
    expect(stamped.payment.paidAt).toBe('2026-03-31');
  });

  it('at 23:00 UTC on 31 March it is 1 April in Auckland: a debt may start then, and a timestamp paid then is of 1 April', async () => {
    const auckland = await userIn('Pacific/Auckland');
    const utc = await userIn(null);
    t.clock.set(BEFORE_UTC_MIDNIGHT);
    const started = await created(auckland, '/api/debts', { ...loan, startDate: '2026-04-01' });
    expect(started.startDate).toBe('2026-04-01');
    expectRefused(await call(t, utc, 'POST', '/api/debts', { ...loan, startDate: '2026-04-01' }), 'startDate', 'date_in_future');
    expect((await created(auckland, '/api/debts', { ...loan, startDate: undefined })).startDate).toBe('2026-04-01');

    const debt = await created(auckland, '/api/debts', loan);
    const paid = await created(auckland, `/api/debts/${debt.id}/payments`, { amount: '100.00', paidAt: '2026-03-31T12:00:00Z' });
    expect(paid.payment.paidAt).toBe('2026-04-01');
    // Auckland's next due date after a payment on 1 April is 30 April; four more payments clear it.
    expect((await call(t, auckland, 'GET', `/api/debts/${debt.id}/schedule`)).json().payoffDate).toBe('2026-07-31');
  });
});
