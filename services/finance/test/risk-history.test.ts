import { newId } from '@expensio/common';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistory } from '../src/risk/repo.js';
import { createTestFinance, type TestFinance } from './helpers.js';

// The recent charges scoring reads travel as one JSON array per field: every amount, payee and
// instant must come back exactly as stored, newest first, whatever digits or characters they hold.

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-15T12:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});

const at = (iso: string) => new Date(iso);

async function ledger(
  user: TestUser,
  rows: { amount: bigint; at: string; merchant?: string | null; description?: string | null; type?: 'income' | 'expense' }[],
) {
  const accounts = (await call(t, user, 'GET', '/api/accounts')).json().items as { id: string }[];
  const account = accounts[0]?.id ?? ((await call(t, user, 'POST', '/api/accounts', { name: 'Cash', type: 'cash', currency: 'USD' })).json().id as string);
  const now = t.clock.now();
  const ids = rows.map(() => newId());
  await t.ctx.db
    .insertInto('transactions')
    .values(
      rows.map((r, i) => ({
        id: ids[i] ?? newId(),
        user_id: user.id,
        account_id: account,
        type: r.type ?? 'expense',
        amount: r.amount,
        currency: 'USD',
        category_id: null,
        description: r.description ?? null,
        merchant: r.merchant ?? null,
        occurred_at: at(r.at),
        tags: [],
        transfer_id: null,
        created_at: now,
        updated_at: now,
        import_fingerprint: null,
      })),
    )
    .execute();
  return ids;
}

describe('the recent charges of the fraud history', () => {
  it('come back exactly: amounts past 2^53, quoted, comma and unicode payees, none, instants to the millisecond', async () => {
    const user = await newUser(t);
    const [withMicros, , , , , , excluded, fraud] = await ledger(user, [
      { amount: 1_234_567_890_123_456_789n, at: '2026-03-15T11:59:00.123Z', merchant: 'Café "Zur Ecke", Berlin \\ 東京 🍞' },
      { amount: 9_007_199_254_740_993n, at: '2026-03-15T11:58:00.000Z', merchant: null, description: 'Rent, "May"\n2nd line' },
      { amount: 1n, at: '2026-03-15T11:30:00.999Z', merchant: null, description: null },
      { amount: 4_100n, at: '2026-03-15T11:00:00.000Z', merchant: '' },
      // Outside the window, income, the transaction being scored, and one reviewed as fraud: none is read.
      { amount: 5n, at: '2026-03-15T10:59:59.999Z', merchant: 'Too early' },
      { amount: 6n, at: '2026-03-15T11:50:00.000Z', merchant: 'Salary', type: 'income' },
      { amount: 7n, at: '2026-03-15T11:51:00.000Z', merchant: 'Itself' },
      { amount: 8n, at: '2026-03-15T11:52:00.000Z', merchant: 'Stolen card' },
    ]);
    // Microseconds no API write holds: read as a JavaScript Date reads them, floored to the millisecond.
    await sql`update finance.transactions set occurred_at = occurred_at + interval '987 microseconds' where id = ${withMicros}::uuid`.execute(t.ctx.db);
    await sql`update finance.transactions set review_decision = 'fraud', reviewed_at = now() where id = ${fraud}::uuid`.execute(t.ctx.db);

    const history = await readHistory(t.ctx.database, t.ctx.db, {
      userId: user.id,
      currency: 'USD',
      scope: 'all',
      payee: null,
      location: null,
      from: at('2026-03-15T11:00:00.000Z'),
      to: at('2026-03-15T12:00:00.000Z'),
      excludeId: excluded ?? '',
    });

    expect(history.recent).toEqual({
      at: ['2026-03-15T11:59:00.123Z', '2026-03-15T11:58:00.000Z', '2026-03-15T11:30:00.999Z', '2026-03-15T11:00:00.000Z'].map(Date.parse),
      amount: [1_234_567_890_123_456_789n, 9_007_199_254_740_993n, 1n, 4_100n],
      payee: ['Café "Zur Ecke", Berlin \\ 東京 🍞', 'Rent, "May"\n2nd line', null, ''],
    });
  });

  it('is empty, not missing, for a user with no expenses in the window', async () => {
    const user = await newUser(t);
    const history = await readHistory(t.ctx.database, t.ctx.db, {
      userId: user.id,
      currency: 'USD',
      scope: 'all',
      payee: null,
      location: null,
      from: at('2026-03-15T11:00:00.000Z'),
      to: at('2026-03-15T12:00:00.000Z'),
      excludeId: newId(),
    });
    expect(history.recent).toEqual({ at: [], amount: [], payee: [] });
  });
});
