import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, TEST_IPS, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

// Fraud scoring through HTTP: every write path scores, flagged transactions are listed and
// reviewed, a review teaches the baseline, and a flag publishes transaction.flagged through the
// outbox (recent rows only, for an import).

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-15T12:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});

interface Tx {
  id: string;
  risk: { score: number; level: string; flagged: boolean; reasons: { code: string; message: string; weight: number }[] };
  location: { country: string; city: string | null } | null;
  review: { decision: string; note: string | null; reviewedAt: string } | null;
}

/** February of ordinary spending: groceries near 40.00 at Corner Market and bread near 5.00, in the daytime. */
async function withHistory(user: TestUser): Promise<void> {
  const lines = ['date,amount,description,category,merchant'];
  for (let day = 1; day <= 28; day += 1) {
    const d = String(day).padStart(2, '0');
    lines.push(`2026-02-${d}T${String(9 + (day % 9)).padStart(2, '0')}:15:00Z,-${38 + (day % 5)}.${day % 10}0,Groceries ${day},groceries,Corner Market`);
    if (day % 2 === 0) lines.push(`2026-02-${d}T08:05:00Z,-${4 + (day % 3)}.50,Bread ${day},groceries,Bakery`);
  }
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/transactions/import',
    headers: { ...user.headers, 'content-type': 'text/csv' },
    payload: lines.join('\n'),
  });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.json()).toMatchObject({ created: 42, rejected: 0 });
}

async function spend(user: TestUser, body: Record<string, unknown>, remoteAddress?: string): Promise<Tx> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/transactions',
    headers: user.headers,
    payload: { type: 'expense', ...body },
    ...(remoteAddress !== undefined && { remoteAddress }),
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Tx>();
}

async function flaggedEvents(userId: string): Promise<{ transactionId: string; score: number }[]> {
  const rows = await sql<{ payload: { transactionId: string; score: number } | string }>`
    select payload from finance.outbox where type = 'transaction.flagged' and user_id = ${userId}::uuid order by occurred_at`.execute(t.database.kysely);
  return rows.rows.map((r) => (typeof r.payload === 'string' ? (JSON.parse(r.payload) as { transactionId: string; score: number }) : r.payload));
}

const reasonCodes = (tx: Tx) => tx.risk.reasons.map((r) => r.code);

describe('the score on every transaction', () => {
  it('scores ordinary spending 0, flags a duplicate charge, lists and filters it, and publishes transaction.flagged', async () => {
    const user = await newUser(t);
    await withHistory(user);
    const first = await spend(user, { amount: '41.00', category: 'groceries', merchant: 'Corner Market', occurredAt: '2026-03-15T11:00:00Z' });
    expect(first.risk).toEqual({ score: 0, level: 'normal', reasons: [], flagged: false });
    expect(first.review).toBeNull();

    const twin = await spend(user, { amount: '41.00', category: 'groceries', merchant: 'Corner Market', occurredAt: '2026-03-15T11:04:00Z' });
    expect(twin.risk).toMatchObject({ flagged: true, level: 'high' });
    expect(twin.risk.reasons[0]).toMatchObject({ code: 'duplicate', message: 'The same charge of 41.00 USD at Corner Market was made 4 minutes earlier' });
    expect((await call(t, user, 'GET', `/api/transactions/${twin.id}`)).json<Tx>().risk).toEqual(twin.risk);

    const flagged = await call(t, user, 'GET', '/api/transactions/flagged');
    expect(flagged.statusCode).toBe(200);
    expect(flagged.json<{ items: Tx[] }>().items.map((i) => i.id)).toEqual([twin.id]);
    expect((await call(t, user, 'GET', '/api/transactions?flagged=true')).json<{ items: Tx[] }>().items.map((i) => i.id)).toEqual([twin.id]);
    expect((await call(t, user, 'GET', '/api/transactions?minRisk=70')).json<{ items: Tx[] }>().items.map((i) => i.id)).toEqual([twin.id]);
    expect((await call(t, user, 'GET', '/api/transactions?flagged=false&limit=200')).json<{ items: Tx[] }>().items).toHaveLength(43);
    expect((await call(t, user, 'GET', '/api/transactions?minRisk=101')).statusCode).toBe(400);
    expect((await call(t, user, 'GET', '/api/transactions/flagged?status=later')).statusCode).toBe(400);

    expect(await flaggedEvents(user.id)).toEqual([expect.objectContaining({ transactionId: twin.id, score: twin.risk.score })]);
  });

  it('reviews: 409 when not flagged or already reviewed, 404 for another user, 400 for a bad body; open and reviewed lists', async () => {
    const user = await newUser(t);
    const other = await newUser(t);
    const a = await spend(user, { amount: '1.00', merchant: 'Site A', occurredAt: '2026-03-15T10:00:00Z' });
    const b = await spend(user, { amount: '1.50', merchant: 'Site B', occurredAt: '2026-03-15T10:01:00Z' });
    // A new user: card testing needs no history.
    const c = await spend(user, { amount: '0.99', merchant: 'Site C', occurredAt: '2026-03-15T10:02:00Z' });
    expect([a.risk.flagged, b.risk.flagged, c.risk.flagged]).toEqual([false, false, true]);
    expect(reasonCodes(c)).toEqual(['card_testing']);

    const notFlagged = await call(t, user, 'PATCH', `/api/transactions/${a.id}/review`, { decision: 'legitimate' });
    expect(notFlagged.statusCode).toBe(409);
    expect(notFlagged.json()).toMatchObject({ code: 'not_flagged' });
    expect((await call(t, other, 'PATCH', `/api/transactions/${c.id}/review`, { decision: 'fraud' })).statusCode).toBe(404);
    expect((await call(t, other, 'GET', '/api/transactions/flagged')).json<{ items: Tx[] }>().items).toEqual([]);
    const bad = await call(t, user, 'PATCH', `/api/transactions/${c.id}/review`, { decision: 'maybe' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('decision');

    const reviewed = await call(t, user, 'PATCH', `/api/transactions/${c.id}/review`, { decision: 'fraud', note: 'Not my card use' });
    expect(reviewed.statusCode, reviewed.body).toBe(200);
    expect(reviewed.json<Tx>().review).toEqual({ decision: 'fraud', note: 'Not my card use', reviewedAt: '2026-03-15T12:00:00.000Z' });
    expect((await call(t, user, 'PATCH', `/api/transactions/${c.id}/review`, { decision: 'legitimate' })).statusCode).toBe(409);
    expect((await call(t, user, 'GET', '/api/transactions/flagged')).json<{ items: Tx[] }>().items).toEqual([]);
    expect((await call(t, user, 'GET', '/api/transactions/flagged?status=reviewed')).json<{ items: Tx[] }>().items.map((i) => i.id)).toEqual([c.id]);
    expect((await call(t, user, 'GET', '/api/transactions/flagged?status=all')).json<{ items: Tx[] }>().items.map((i) => i.id)).toEqual([c.id]);
    // A charge marked fraud is not the user's behaviour: it no longer counts towards card testing.
    const d = await spend(user, { amount: '1.20', merchant: 'Site D', occurredAt: '2026-03-15T10:03:00Z' });
    expect(d.risk.flagged).toBe(true);
    expect(d.risk.reasons[0]?.message).toMatch(/^3 charges under 2\.00 USD/);
  });

  it('a review changes the next score of the same merchant: legitimate teaches it, fraud does not', async () => {
    const user = await newUser(t);
    await withHistory(user);
    const gadget = await spend(user, { amount: '400.00', merchant: 'Gadget World', occurredAt: '2026-03-10T13:00:00Z' });
    const shady = await spend(user, { amount: '400.00', merchant: 'Shady Shop', occurredAt: '2026-03-10T15:00:00Z' });
    for (const tx of [gadget, shady]) {
      expect(tx.risk.flagged).toBe(true);
      expect(reasonCodes(tx)).toEqual(['amount_outlier', 'new_merchant']);
    }
    expect((await call(t, user, 'PATCH', `/api/transactions/${gadget.id}/review`, { decision: 'legitimate' })).statusCode).toBe(200);
    expect((await call(t, user, 'PATCH', `/api/transactions/${shady.id}/review`, { decision: 'fraud' })).statusCode).toBe(200);

    const shadyAgain = await spend(user, { amount: '400.00', merchant: 'Shady Shop', occurredAt: '2026-03-12T15:00:00Z' });
    const gadgetAgain = await spend(user, { amount: '400.00', merchant: 'Gadget World', occurredAt: '2026-03-12T16:00:00Z' });
    // Known now, and 400.00 is what is paid there.
    expect(gadgetAgain.risk).toEqual({ score: 0, level: 'normal', reasons: [], flagged: false });
    expect(reasonCodes(shadyAgain)).toEqual(['amount_outlier', 'new_merchant']);
    expect(shadyAgain.risk.score).toBe(shady.risk.score);
  });

  it('locates the client offline, stores the place, and scores a country never seen', async () => {
    const user = await newUser(t);
    await withHistory(user);
    for (let i = 0; i < 5; i += 1) {
      const tx = await spend(
        user,
        { amount: '40.00', category: 'groceries', merchant: 'Corner Market', occurredAt: `2026-03-0${i + 1}T12:00:00Z` },
        TEST_IPS.US,
      );
      expect(tx.location?.country).toBe('US');
    }
    const abroad = await spend(user, { amount: '40.00', category: 'groceries', merchant: 'Corner Market', occurredAt: '2026-03-14T12:00:00Z' }, TEST_IPS.JP);
    expect(abroad.location?.country).toBe('JP');
    expect(abroad.risk.reasons).toEqual([
      expect.objectContaining({ code: 'new_location', message: expect.stringMatching(/^Your first transaction from Japan/) as unknown }),
    ]);
    // Loopback has no place: nothing stored, nothing scored.
    const local = await spend(user, { amount: '40.00', category: 'groceries', merchant: 'Corner Market', occurredAt: '2026-03-14T13:00:00Z' });
    expect(local.location).toBeNull();
    expect(local.risk.score).toBe(0);
  });

  it('an import flags a duplicate charge in an old file without alerting, and alerts for a recent one', async () => {
    const user = await newUser(t);
    const file = (day: string) =>
      [
        'date,amount,description,merchant',
        `${day}T10:00:00Z,-12.99,Streamly subscription,Streamly`,
        `${day}T10:03:00Z,-12.99,Streamly charge,Streamly`,
        `${day}T18:00:00Z,-30.00,Dinner,Luigi`,
      ].join('\n');
    const old = await t.app.inject({
      method: 'POST',
      url: '/api/transactions/import',
      headers: { ...user.headers, 'content-type': 'text/csv' },
      payload: file('2025-06-03'),
    });
    expect(old.json()).toMatchObject({ created: 3 });
    const flagged = (await call(t, user, 'GET', '/api/transactions/flagged')).json<{ items: (Tx & { description: string })[] }>().items;
    expect(flagged.map((i) => i.description)).toEqual(['Streamly charge']);
    expect(flagged[0]?.risk.reasons[0]?.code).toBe('duplicate');
    expect(await flaggedEvents(user.id)).toEqual([]);

    const recent = await t.app.inject({
      method: 'POST',
      url: '/api/transactions/import',
      headers: { ...user.headers, 'content-type': 'text/csv' },
      payload: file('2026-03-14'),
    });
    expect(recent.json()).toMatchObject({ created: 3 });
    const events = await flaggedEvents(user.id);
    expect(events).toHaveLength(1);
    const [newest] = (await call(t, user, 'GET', '/api/transactions/flagged')).json<{ items: Tx[] }>().items;
    expect(events[0]?.transactionId).toBe(newest?.id);
  });
});
