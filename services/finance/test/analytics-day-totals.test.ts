import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, type TestUser } from '@expensio/common/testing';
import { dayTotals } from '../src/analytics/sql.js';
import { eraseUser } from '../src/users/erase.js';
import { recordUserTimeZone } from '../src/users/time-zone.js';
import { createTestFinance, ok, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance({ start: '2026-03-15T12:00:00.000Z' });
});
afterAll(async () => {
  await t.close();
});

interface Total {
  day: string;
  account_id: string;
  currency: string;
  type: string;
  recurring: boolean;
  amount: string;
  count: number;
}

/** The user's totals as dayTotals answers them in `timeZone`, in a stable order. */
async function totals(userId: string, timeZone: string): Promise<Total[]> {
  const { rows } = await sql<Total>`
    select d.day::text as day, d.account_id, d.currency, d.type, d.recurring, sum(d.amount)::text as amount, sum(d.count)::int as count
    from ${await dayTotals(t.ctx.db, userId, timeZone)} d
    group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5`.execute(t.ctx.db);
  return rows;
}

/** The kept totals (the user's own zone) against the same sums from the rows, grouped in `timeZone`. */
async function expectKeptMatchesRows(userId: string, ownZone: string) {
  const { rows } = await sql<Total>`
    select (t.occurred_at at time zone ${ownZone})::date::text as day, t.account_id, t.currency, t.type, t.recurring_rule_id is not null as recurring,
      sum(t.amount)::text as amount, count(*)::int as count
    from finance.transactions t where t.user_id = ${userId}
    group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5`.execute(t.ctx.db);
  const kept = await totals(userId, ownZone);
  expect(kept).toEqual(rows);
  return kept;
}

describe('transaction_day_totals (kept by triggers, ADR 0024)', () => {
  let user: TestUser;
  let main: { id: string };

  beforeAll(async () => {
    user = await newUser(t);
    main = (await ok(t, user, 'GET', '/api/accounts')).items[0];
  });

  it('follows creates, edits, deletes, transfers and a change of zone, and ends empty when the user is erased', async () => {
    const savings = await ok(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' });
    const post = (type: string, amount: string, occurredAt: string) =>
      ok(t, user, 'POST', '/api/transactions', { type, amount, occurredAt, accountId: main.id });
    await post('income', '100.00', '2026-03-01T12:00:00Z');
    const late = await post('expense', '7.50', '2026-03-02T03:00:00Z');
    const moved = await post('expense', '2.25', '2026-03-02T12:00:00Z');
    await post('expense', '1.00', '2026-03-02T13:00:00Z');
    await ok(t, user, 'POST', '/api/accounts/transfers', {
      fromAccountId: main.id,
      toAccountId: savings.id,
      amount: '40.00',
      occurredAt: '2026-03-03T12:00:00Z',
    });
    expect((await expectKeptMatchesRows(user.id, 'UTC')).find((r) => r.day === '2026-03-02' && r.type === 'expense')).toMatchObject({
      amount: '1075',
      count: 3,
    });

    // An edit moves a transaction to another day and amount; a delete takes one out; a
    // description change moves nothing.
    await ok(t, user, 'PATCH', `/api/transactions/${moved.id}`, { amount: '3.00', occurredAt: '2026-03-04T12:00:00Z' });
    await ok(t, user, 'PATCH', `/api/transactions/${late.id}`, { description: 'late night' });
    await ok(t, user, 'DELETE', `/api/transactions/${late.id}`);
    const afterEdits = await expectKeptMatchesRows(user.id, 'UTC');
    expect(afterEdits.filter((r) => r.type === 'expense').map((r) => [r.day, r.amount, r.count])).toEqual([
      ['2026-03-02', '100', 1],
      ['2026-03-04', '300', 1],
    ]);

    // New York: 03:00 UTC on 2 March was 1 March there. The rows are rebuilt in the new zone.
    await ok(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '5.00', occurredAt: '2026-03-02T03:00:00Z', accountId: main.id });
    expect(await recordUserTimeZone(t.ctx.db, { userId: user.id, timeZone: 'America/New_York', changedAt: new Date('2026-03-05T00:00:00Z') })).toBe(true);
    const newYork = await expectKeptMatchesRows(user.id, 'America/New_York');
    expect(newYork.filter((r) => r.type === 'expense').map((r) => [r.day, r.amount])).toEqual([
      ['2026-03-01', '500'],
      ['2026-03-02', '100'],
      ['2026-03-04', '300'],
    ]);
    // Asked in another zone, the same columns come from the rows.
    expect((await totals(user.id, 'UTC')).filter((r) => r.type === 'expense').map((r) => [r.day, r.amount])).toEqual([
      ['2026-03-02', '600'],
      ['2026-03-04', '300'],
    ]);
    // Written after the change, a transaction lands on its New York day.
    await ok(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '1.00', occurredAt: '2026-03-06T02:00:00Z', accountId: main.id });
    expect((await expectKeptMatchesRows(user.id, 'America/New_York')).at(-1)).toMatchObject({ day: '2026-03-05', amount: '100' });

    await t.ctx.db.transaction().execute((trx) => eraseUser(trx, user.id));
    const { rows } = await sql<{ count: number }>`select count(*)::int as count from finance.transaction_day_totals where user_id = ${user.id}`.execute(
      t.ctx.db,
    );
    expect(rows[0]?.count).toBe(0);
  });
});
