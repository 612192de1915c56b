import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, ok, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-15T12:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});

const spend = (user: TestUser, amount: string, day: string, fields: Record<string, unknown> = {}) =>
  ok(t, user, 'POST', '/api/transactions', { type: 'expense', amount, occurredAt: `${day}T12:00:00Z`, ...fields });

const URL = '/api/analytics/moods?from=2026-03-01&to=2026-03-15';

describe('GET /api/analytics/moods', () => {
  let user: TestUser;

  beforeAll(async () => {
    user = await newUser(t);
    await spend(user, '10.00', '2026-03-02', { category: 'groceries', mood: { mood: 'happy', intensity: 1 } });
    await spend(user, '20.01', '2026-03-03', { category: 'dining', mood: { mood: 'happy', intensity: 2, triggers: ['reward'] } });
    await spend(user, '30.00', '2026-03-04', { category: 'dining', mood: { mood: 'stressed', intensity: 3, triggers: ['stress_relief'] } });
    await spend(user, '40.00', '2026-03-05', { category: 'shopping', mood: { mood: 'stressed', intensity: 4, triggers: ['stress_relief', 'impulse'] } });
    await spend(user, '100.00', '2026-03-06', { category: 'shopping', mood: { mood: 'regretful', intensity: 5, triggers: ['impulse'] } });
    await spend(user, '5.00', '2026-03-07', { mood: { mood: 'bored', intensity: 2, triggers: ['boredom'] } });
    // Outside the sample: no mood, before the range, another currency, another user.
    await spend(user, '50.00', '2026-03-08');
    await spend(user, '70.00', '2026-02-27', { mood: { mood: 'sad', intensity: 5 } });
    const euros = await ok(t, user, 'POST', '/api/accounts', { name: 'Euro', type: 'checking', currency: 'EUR' });
    await spend(user, '80.00', '2026-03-09', { accountId: euros.id, mood: { mood: 'anxious', intensity: 5 } });
    const other = await newUser(t);
    await spend(other, '900.00', '2026-03-09', { category: 'shopping', mood: { mood: 'regretful', intensity: 5, triggers: ['impulse'] } });
  });

  it('sums spending per mood, mood and category, and trigger, each with its count', async () => {
    const a = await ok(t, user, 'GET', URL);
    expect(a).toMatchObject({ currency: 'USD', sampleSize: 6, otherCurrencies: [{ currency: 'EUR', count: 1 }] });
    expect(a.byMood).toEqual([
      { mood: 'regretful', count: 1, total: '100.00', average: '100.00' },
      { mood: 'stressed', count: 2, total: '70.00', average: '35.00' },
      { mood: 'happy', count: 2, total: '30.01', average: '15.01' }, // 15.005 rounds half up
      { mood: 'bored', count: 1, total: '5.00', average: '5.00' },
    ]);
    expect(a.byMoodAndCategory).toEqual([
      { mood: 'bored', category: null, name: null, count: 1, total: '5.00', average: '5.00' },
      { mood: 'happy', category: 'dining', name: 'Dining out', count: 1, total: '20.01', average: '20.01' },
      { mood: 'happy', category: 'groceries', name: 'Groceries', count: 1, total: '10.00', average: '10.00' },
      { mood: 'regretful', category: 'shopping', name: 'Shopping', count: 1, total: '100.00', average: '100.00' },
      { mood: 'stressed', category: 'shopping', name: 'Shopping', count: 1, total: '40.00', average: '40.00' },
      { mood: 'stressed', category: 'dining', name: 'Dining out', count: 1, total: '30.00', average: '30.00' },
    ]);
    expect(a.byTrigger).toEqual([
      { trigger: 'impulse', count: 2, total: '140.00', average: '70.00' },
      { trigger: 'stress_relief', count: 2, total: '70.00', average: '35.00' },
      { trigger: 'reward', count: 1, total: '20.01', average: '20.01' },
      { trigger: 'boredom', count: 1, total: '5.00', average: '5.00' },
    ]);
  });

  it('gives the negative share and the intensity-amount correlation with their sample sizes', async () => {
    const a = await ok(t, user, 'GET', URL);
    // stressed 70 + regretful 100 + bored 5 = 175 of 205.01
    expect(a.negativeShare).toEqual({ percent: 85.36, amount: '175.00', count: 4, n: 6 });
    expect(a.correlation).toEqual({ intensityVsAmount: 0.897, n: 6 });
    const fewer = await ok(t, user, 'GET', '/api/analytics/moods?from=2026-03-02&to=2026-03-06');
    expect(fewer.correlation).toEqual({ intensityVsAmount: null, n: 4 });
  });

  it('answers a user without moods with empty groups, and refuses a bad range', async () => {
    const nobody = await newUser(t);
    expect(await ok(t, nobody, 'GET', '/api/analytics/moods')).toMatchObject({
      from: '2025-12-16',
      to: '2026-03-16',
      sampleSize: 0,
      byMood: [],
      byTrigger: [],
      negativeShare: { percent: null, amount: '0.00', count: 0, n: 0 },
      correlation: { intensityVsAmount: null, n: 0 },
    });
    const bad = await call(t, nobody, 'GET', '/api/analytics/moods?from=2026-13-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'from' });
  });
});
