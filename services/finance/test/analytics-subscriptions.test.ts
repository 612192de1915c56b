import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { statusOf, subscriptionId } from '../src/analytics/subscriptions/cadence.js';
import { createTestFinance, ok, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-15T12:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});

const charge = (user: TestUser, merchant: string, amount: string, day: string, fields: Record<string, unknown> = {}) =>
  ok(t, user, 'POST', '/api/transactions', { type: 'expense', amount, merchant, occurredAt: `${day}T09:00:00Z`, ...fields });

const URL = '/api/analytics/subscriptions';

describe('/api/analytics/subscriptions', () => {
  let user: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    user = await newUser(t);
    for (const day of ['2025-11-10', '2025-12-10', '2026-01-11', '2026-02-10']) await charge(user, 'Netflix', '12.99', day, { category: 'subscriptions' });
    await charge(user, 'NETFLIX', '15.49', '2026-03-10', { category: 'subscriptions' });
    for (const day of ['2025-11-01', '2025-12-01', '2026-01-01', '2026-02-01']) await charge(user, 'FitGym', '30.00', day);
    for (const day of ['2026-01-05', '2026-01-12', '2026-01-19']) await charge(user, 'Music+', '5.00', day);
    await charge(user, 'Cloud Storage', '99.00', '2025-01-20');
    await charge(user, 'Cloud Storage', '99.00', '2026-01-22');
    for (const day of ['2025-06-15', '2025-09-16', '2025-12-14', '2026-03-15']) await charge(user, 'Insurance Co', '120.00', day, { category: 'insurance' });
    // Not subscriptions: irregular gaps, or too few charges.
    for (const day of ['2026-01-03', '2026-01-20', '2026-02-14']) await charge(user, 'Corner Market', '40.00', day);
    await charge(user, 'Bakery', '3.00', '2026-02-01');
    await charge(user, 'Bakery', '3.00', '2026-02-08');
    const euros = await ok(t, user, 'POST', '/api/accounts', { name: 'Euro', type: 'checking', currency: 'EUR' });
    for (const day of ['2025-12-05', '2026-01-05', '2026-02-05', '2026-03-05']) await charge(user, 'Zeitung', '9.00', day, { accountId: euros.id });

    other = await newUser(t);
    for (const day of ['2025-12-20', '2026-01-20', '2026-02-20']) await charge(other, 'Spotify', '10.99', day);
  });

  it('finds weekly, monthly, quarterly and yearly charges with price rises, missed and cancelled ones', async () => {
    const a = await ok(t, user, 'GET', URL);
    expect(a.items.map((s: { merchant: string }) => s.merchant)).toEqual(['Insurance Co', 'FitGym', 'Music+', 'Netflix', 'Cloud Storage']);
    const [insurance, gym, music, netflix, cloud] = a.items;
    expect(netflix).toEqual({
      id: subscriptionId('netflix', 'USD', 'monthly'),
      merchant: 'Netflix',
      currency: 'USD',
      interval: 'monthly',
      amount: '15.49',
      usualAmount: '12.99',
      count: 5,
      firstCharged: '2025-11-10',
      lastCharged: '2026-03-10',
      nextExpected: '2026-04-10',
      yearlyCost: '185.88',
      priceIncrease: { from: '12.99', to: '15.49', percent: 19.25 }, // 2.50 / 12.99
      status: 'active',
      recurringRuleId: null,
    });
    expect(insurance).toMatchObject({
      interval: 'quarterly',
      count: 4,
      nextExpected: '2026-06-15',
      yearlyCost: '480.00',
      status: 'active',
      priceIncrease: null,
    });
    // Due on 1 March, three days' grace gone by the 15th; not yet two intervals.
    expect(gym).toMatchObject({ interval: 'monthly', nextExpected: '2026-03-01', yearlyCost: '360.00', status: 'missed' });
    expect(music).toMatchObject({ interval: 'weekly', nextExpected: '2026-01-26', yearlyCost: '260.00', status: 'cancelled' });
    expect(cloud).toMatchObject({
      interval: 'yearly',
      count: 2,
      firstCharged: '2025-01-20',
      nextExpected: '2027-01-22',
      yearlyCost: '99.00',
      status: 'active',
    });
    expect(a.totalYearlyCost).toBe('764.88'); // 480 + 185.88 + 99: the active ones
    expect(a.otherCurrencies).toEqual([{ currency: 'EUR', count: 4 }]);
    expect((await ok(t, user, 'GET', URL)).items.map((s: { id: string }) => s.id)).toEqual(a.items.map((s: { id: string }) => s.id));

    const euros = await ok(t, user, 'GET', `${URL}?currency=EUR`);
    expect(euros.items).toMatchObject([{ merchant: 'Zeitung', currency: 'EUR', interval: 'monthly', yearlyCost: '108.00' }]);
    expect((await ok(t, other, 'GET', URL)).items.map((s: { merchant: string }) => s.merchant)).toEqual(['Spotify']);
  });

  it('tracks a subscription as a recurring rule once: 201, then 409; unknown ids are 404', async () => {
    const id = subscriptionId('netflix', 'USD', 'monthly');
    const created = await call(t, user, 'POST', `${URL}/${id}/track`);
    expect(created.statusCode, created.body).toBe(201);
    const rule = created.json();
    const main = (await ok(t, user, 'GET', '/api/accounts')).items[0];
    expect(rule).toMatchObject({
      type: 'expense',
      amount: '15.49',
      currency: 'USD',
      merchant: 'NETFLIX',
      category: 'subscriptions',
      accountId: main.id,
      frequency: 'monthly',
      interval: 1,
      startDate: '2026-04-10',
      nextOccurrence: '2026-04-10',
    });
    expect((await ok(t, user, 'GET', `/api/recurring-transactions/${rule.id}`)).id).toBe(rule.id);
    const again = await call(t, user, 'POST', `${URL}/${id}/track`);
    expect(again.statusCode).toBe(409);
    const listed = (await ok(t, user, 'GET', URL)).items.find((s: { id: string }) => s.id === id);
    expect(listed.recurringRuleId).toBe(rule.id);

    // A missed one starts at the next date of its cadence from today, never in the past.
    const gym = await call(t, user, 'POST', `${URL}/${subscriptionId('fitgym', 'USD', 'monthly')}/track`);
    expect(gym.statusCode, gym.body).toBe(201);
    expect(gym.json()).toMatchObject({ startDate: '2026-04-01', amount: '30.00', merchant: 'FitGym', category: null });

    const quarterly = await call(t, user, 'POST', `${URL}/${subscriptionId('insurance co', 'USD', 'quarterly')}/track`);
    expect(quarterly.json()).toMatchObject({ frequency: 'monthly', interval: 3, startDate: '2026-06-15' });

    expect((await call(t, user, 'POST', `${URL}/${subscriptionId('netflix', 'USD', 'weekly')}/track`)).statusCode).toBe(404);
    // Another user's subscription is not the caller's.
    expect((await call(t, user, 'POST', `${URL}/${subscriptionId('spotify', 'USD', 'monthly')}/track`)).statusCode).toBe(404);
    const bad = await call(t, user, 'POST', `${URL}/not-an-id/track`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'id' });
  });

  it('concurrent tracks of one subscription make one rule: the others answer 409 subscription_tracked', async () => {
    const racer = await newUser(t);
    for (const day of ['2025-12-03', '2026-01-03', '2026-02-03', '2026-03-03']) await charge(racer, 'StreamCo', '8.00', day);
    const id = subscriptionId('streamco', 'USD', 'monthly');
    const answers = await Promise.all([1, 2, 3].map(() => call(t, racer, 'POST', `${URL}/${id}/track`)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409]);
    for (const refused of answers.filter((a) => a.statusCode === 409)) expect(refused.json().code).toBe('subscription_tracked');
    const rules = (await ok(t, racer, 'GET', '/api/recurring-transactions')).items;
    expect(rules).toHaveLength(1);
    expect((await ok(t, racer, 'GET', URL)).items.find((s: { id: string }) => s.id === id).recurringRuleId).toBe(rules[0].id);
  });

  it('a tracked rule renamed still tracks its subscription (shown, and 409); deleted, the subscription can be tracked again', async () => {
    const owner = await newUser(t);
    for (const day of ['2025-12-07', '2026-01-07', '2026-02-07', '2026-03-07']) await charge(owner, 'NewsDaily', '4.00', day);
    const id = subscriptionId('newsdaily', 'USD', 'monthly');
    const rule = await ok(t, owner, 'POST', `${URL}/${id}/track`);
    await ok(t, owner, 'PATCH', `/api/recurring-transactions/${rule.id}`, { merchant: 'News (family plan)' });
    expect((await ok(t, owner, 'GET', URL)).items.find((s: { id: string }) => s.id === id).recurringRuleId).toBe(rule.id);
    expect((await call(t, owner, 'POST', `${URL}/${id}/track`)).statusCode).toBe(409);
    expect((await call(t, owner, 'DELETE', `/api/recurring-transactions/${rule.id}`)).statusCode).toBe(204);
    expect((await call(t, owner, 'POST', `${URL}/${id}/track`)).statusCode).toBe(201);
  });

  it('moves from active to missed to cancelled as the days pass', () => {
    expect(statusOf('2026-01-31', 'monthly', '2026-03-03')).toBe('active'); // due 28 February, 3 days' grace
    expect(statusOf('2026-01-31', 'monthly', '2026-03-04')).toBe('missed');
    expect(statusOf('2026-01-31', 'monthly', '2026-03-31')).toBe('missed'); // second due 31 March
    expect(statusOf('2026-01-31', 'monthly', '2026-04-04')).toBe('cancelled');
    expect(statusOf('2025-01-20', 'yearly', '2026-01-27')).toBe('active');
    expect(statusOf('2025-01-20', 'yearly', '2026-01-28')).toBe('missed');
  });
});
