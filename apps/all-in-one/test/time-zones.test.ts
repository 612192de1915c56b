import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessTransport } from '@expensio/common';
import { TEST_PASSWORD, call } from '@expensio/common/testing';
import { createTestExpensio, type TestExpensio } from './helpers.js';

// The time zone lives in identity's profile; finance learns it from user.registered and
// user.updated, so the whole composition agrees on the user's days.

let t: TestExpensio;
beforeAll(async () => {
  t = await createTestExpensio(new InProcessTransport());
});
afterAll(async () => {
  await t.close();
});

async function registerIn(timeZone: string) {
  const email = `tz-${randomUUID()}@example.com`;
  const response = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: TEST_PASSWORD, timeZone } });
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json<{ accessToken: string; user: { id: string } }>();
  return { id: body.user.id, password: TEST_PASSWORD, headers: { authorization: `Bearer ${body.accessToken}` } };
}

describe('a user’s time zone across the services', () => {
  it('registration’s zone reaches finance; a profile change follows; deleting the account erases it', async () => {
    const member = await registerIn('America/New_York');
    await t.settle();
    const summary = await call(t, member, 'GET', '/api/transactions/summary');
    expect(summary.statusCode, summary.body).toBe(200);
    expect(summary.json().timeZone).toBe('America/New_York');
    // Midnight of a date alone is New York's.
    const created = await call(t, member, 'POST', '/api/transactions', { type: 'expense', amount: '3.00', occurredAt: '2026-11-30' });
    expect(created.json().occurredAt).toBe('2026-11-30T05:00:00.000Z');

    const changed = await call(t, member, 'PATCH', '/api/auth/profile', { timeZone: 'Asia/Tokyo' });
    expect(changed.statusCode, changed.body).toBe(200);
    await t.settle();
    expect((await call(t, member, 'GET', '/api/budgets/overview')).json().timeZone).toBe('Asia/Tokyo');
    expect((await call(t, member, 'POST', '/api/transactions', { type: 'expense', amount: '3.00', occurredAt: '2026-11-30' })).json().occurredAt).toBe(
      '2026-11-29T15:00:00.000Z',
    );

    const deleted = await call(t, member, 'DELETE', '/api/auth/account', { password: member.password });
    expect(deleted.statusCode, deleted.body).toBe(204);
    await t.settle();
    const rows = await sql`select time_zone from finance.user_time_zones where user_id = ${member.id}::uuid`.execute(t.database.kysely);
    expect(rows.rows).toEqual([]);
  });
});
