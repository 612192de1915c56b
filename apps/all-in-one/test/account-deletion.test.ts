import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessTransport } from '@expensio/common';
import { call } from '@expensio/common/testing';
import { createTestExpensio, fillEveryService, register, rowsOf, type TestExpensio } from './helpers.js';

// Deleting an account, as every service sees it: identity publishes user.deleted, finance and
// realtime erase the user's rows when it reaches them. The RabbitMQ version is in
// events.integration.test.ts.

let t: TestExpensio;
beforeAll(async () => {
  t = await createTestExpensio(new InProcessTransport());
});
afterAll(async () => {
  await t.close();
});

describe('DELETE /api/auth/account across the services', () => {
  it("removes the user's rows in identity, finance and realtime, and nobody else's", async () => {
    const leaving = await register(t);
    const staying = await register(t);
    for (const member of [leaving, staying]) await fillEveryService(t, member);
    for (const [table, n] of Object.entries(await rowsOf(t, leaving.id))) if (table !== 'identity.otp_challenges') expect(n, table).toBeGreaterThan(0);

    const deleted = await call(t, leaving, 'DELETE', '/api/auth/account', { password: leaving.password });
    expect(deleted.statusCode, deleted.body).toBe(204);
    await t.settle();

    expect(
      Object.values(await rowsOf(t, leaving.id)).every((n) => n === 0),
      JSON.stringify(await rowsOf(t, leaving.id)),
    ).toBe(true);
    const kept = await rowsOf(t, staying.id);
    for (const [table, n] of Object.entries(kept)) if (table !== 'identity.otp_challenges') expect(n, table).toBeGreaterThan(0);
    // The token died with the account, in every service.
    expect((await call(t, leaving, 'GET', '/api/transactions')).statusCode).toBe(401);
    expect((await call(t, leaving, 'GET', '/api/webhooks')).statusCode).toBe(401);
    expect((await call(t, staying, 'GET', '/api/transactions')).json().items).toHaveLength(1);
  });
});
