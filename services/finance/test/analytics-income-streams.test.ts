import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { diversification } from '../src/analytics/income-streams/service.js';
import { createTestFinance, ok, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-15T12:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});

const earn = (user: TestUser, amount: string, day: string, fields: Record<string, unknown>) =>
  ok(t, user, 'POST', '/api/transactions', { type: 'income', amount, occurredAt: `${day}T09:00:00Z`, ...fields });

describe('GET /api/analytics/income-streams', () => {
  let user: TestUser;
  let falling: TestUser;

  beforeAll(async () => {
    user = await newUser(t);
    for (const day of ['2025-10-01', '2025-11-01', '2025-12-01', '2026-01-01', '2026-02-01', '2026-03-01']) {
      await earn(user, '3000.00', day, { merchant: 'ACME Corp', category: 'salary' });
    }
    await earn(user, '1000.00', '2025-10-20', { merchant: 'Studio Nord', category: 'freelance' });
    await earn(user, '2000.00', '2025-12-05', { merchant: 'studio nord', category: 'freelance' });
    await earn(user, '500.00', '2026-01-10', { merchant: 'Studio Nord', category: 'freelance' });
    await earn(user, '2500.00', '2026-03-02', { merchant: 'Studio Nord' });
    const main = (await ok(t, user, 'GET', '/api/accounts')).items[0];
    const savings = await ok(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' });
    const euros = await ok(t, user, 'POST', '/api/accounts', { name: 'Euro', type: 'checking', currency: 'EUR' });
    await ok(t, user, 'POST', '/api/accounts/transfers', {
      fromAccountId: main.id,
      toAccountId: savings.id,
      amount: '700.00',
      occurredAt: '2026-02-10T09:00:00Z',
    });
    await earn(user, '100.00', '2026-02-10', { accountId: euros.id, merchant: 'ACME Corp' });

    falling = await newUser(t);
    for (const [day, amount] of [
      ['2025-11-01', '3000.00'],
      ['2025-12-01', '2900.00'],
      ['2026-01-01', '2800.00'],
      ['2026-02-01', '2700.00'],
    ] as const) {
      await earn(falling, amount, day, { merchant: 'Big Co', category: 'salary' });
    }
  });

  it('finds one stream per payer with its regularity, trend and next payment; two payers 75/25 diversify 0.375', async () => {
    const a = await ok(t, user, 'GET', '/api/analytics/income-streams?from=2025-10-01&to=2026-03-16');
    expect(a).toMatchObject({ currency: 'USD', total: '24000.00', diversification: 0.375, otherCurrencies: [{ currency: 'EUR', count: 1 }] });
    expect(a.streams).toEqual([
      {
        source: 'ACME Corp',
        category: 'salary',
        count: 6,
        total: '18000.00',
        share: 75,
        averageAmount: '3000.00',
        medianIntervalDays: 31, // 31, 30, 31, 31, 28 days apart
        intervalCv: 0.039,
        amountCv: 0,
        regular: true,
        trend: 0,
        nextExpected: '2026-04-01',
      },
      {
        source: 'Studio Nord',
        category: 'freelance',
        count: 4,
        total: '6000.00',
        share: 25,
        averageAmount: '1500.00',
        medianIntervalDays: 46, // 46, 36, 51 days apart
        intervalCv: 0.141,
        amountCv: 0.527,
        regular: false,
        trend: 15.95,
        nextExpected: null,
      },
    ]);
    expect(a.reliability.score).toBe(75);
    expect(a.reliability.reasons).toEqual([{ source: 'Studio Nord', reason: 'irregular', detail: expect.stringContaining('amounts vary by 0.527') }]);
  });

  it('lowers reliability for a falling stream, and more once a payment is missed', async () => {
    const before = await ok(t, falling, 'GET', '/api/analytics/income-streams?from=2025-10-01&to=2026-03-05');
    expect(before.streams[0]).toMatchObject({
      source: 'Big Co',
      regular: true,
      trend: -3.51,
      medianIntervalDays: 31,
      nextExpected: '2026-03-04',
      amountCv: 0.039,
      intervalCv: 0.015,
    });
    expect(before.diversification).toBe(0);
    expect(before.reliability).toEqual({ score: 50, reasons: [{ source: 'Big Co', reason: 'falling', detail: expect.stringContaining('3.51%') }] });
    // Today is 15 March: the payment due on 4 March is more than a quarter interval late.
    const now = await ok(t, falling, 'GET', '/api/analytics/income-streams');
    expect(now).toMatchObject({ from: '2025-03-16', to: '2026-03-16' });
    expect(now.reliability).toEqual({ score: 0, reasons: [{ source: 'Big Co', reason: 'missed', detail: expect.stringContaining('2026-03-04') }] });
  });

  it('answers an empty history and refuses a bad range', async () => {
    const nobody = await newUser(t);
    expect(await ok(t, nobody, 'GET', '/api/analytics/income-streams')).toMatchObject({
      total: '0.00',
      streams: [],
      diversification: 0,
      reliability: { score: 0, reasons: [] },
    });
    const bad = await call(t, nobody, 'GET', '/api/analytics/income-streams?from=2026-01-01&to=2025-01-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'from', in: 'querystring' });
  });

  it('computes diversification exactly', () => {
    expect(diversification([75n, 25n])).toBe(0.375);
    expect(diversification([1n, 1n, 1n])).toBe(0.667);
    expect(diversification([5n])).toBe(0);
  });
});
