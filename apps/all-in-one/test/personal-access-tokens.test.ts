import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessTransport } from '@expensio/common';
import { call, createTestExpensio, register, type Member, type TestExpensio } from './helpers.js';

// A script's token across the services: identity issues it, finance and realtime honour it,
// each request held to the token's scopes by the one auth guard.

let t: TestExpensio;
beforeAll(async () => {
  t = await createTestExpensio(new InProcessTransport());
});
afterAll(async () => {
  await t.close();
});

async function tokenFor(member: Member, scopes: string[]): Promise<{ id: string; script: Member }> {
  const response = await call(t, member, 'POST', '/api/auth/tokens', { name: scopes.join(' '), scopes, expiresInDays: 30 });
  if (response.statusCode !== 201) throw new Error(`token: ${response.statusCode} ${response.body}`);
  const { id, token } = response.json<{ id: string; token: string }>();
  return { id, script: { id: member.id, password: '', headers: { authorization: `Bearer ${token}` } } };
}

const account = { name: 'Script account', type: 'checking' };

describe('personal access tokens across the services', () => {
  it('a read token reads every area and writes none (403 insufficient_scope)', async () => {
    const member = await register(t);
    const { script } = await tokenFor(member, ['read']);
    for (const url of ['/api/transactions', '/api/accounts', '/api/budgets', '/api/webhooks', '/api/analytics/comprehensive']) {
      const response = await call(t, script, 'GET', url);
      expect(response.statusCode, `${url} ${response.body}`).toBe(200);
    }
    const refused = await call(t, script, 'POST', '/api/accounts', account);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'insufficient_scope' });
    expect((await call(t, script, 'POST', '/api/transactions', { type: 'expense', amount: '1.00' })).statusCode).toBe(403);
    expect((await call(t, member, 'GET', '/api/accounts')).json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it('a write token writes, and reads too', async () => {
    const member = await register(t);
    const { script } = await tokenFor(member, ['write']);
    const created = await call(t, script, 'POST', '/api/accounts', account);
    expect(created.statusCode, created.body).toBe(201);
    const listed = await call(t, member, 'GET', '/api/accounts');
    expect(listed.json<{ items: { name: string }[] }>().items.map((a) => a.name)).toContain('Script account');
    expect((await call(t, script, 'GET', '/api/accounts')).statusCode).toBe(200);
  });

  it('an area scope opens that area only', async () => {
    const member = await register(t);
    const { script } = await tokenFor(member, ['transactions:read', 'budgets:write']);
    expect((await call(t, script, 'GET', '/api/transactions')).statusCode).toBe(200);
    expect((await call(t, script, 'GET', '/api/transactions/summary')).statusCode).toBe(200);
    expect((await call(t, script, 'POST', '/api/transactions', { type: 'expense', amount: '1.00' })).json()).toMatchObject({ code: 'insufficient_scope' });
    expect((await call(t, script, 'GET', '/api/accounts')).statusCode).toBe(403);
    expect((await call(t, script, 'GET', '/api/webhooks')).statusCode).toBe(403);
    expect((await call(t, script, 'GET', '/api/analytics/cash-flow')).statusCode).toBe(403);
    const budget = await call(t, script, 'POST', '/api/budgets', {
      name: 'Food',
      amount: '300.00',
      period: 'monthly',
      category: 'groceries',
      startDate: '2026-01-01',
    });
    expect(budget.statusCode, budget.body).toBe(201);
    expect((await call(t, script, 'GET', '/api/budgets')).statusCode).toBe(200);
  });

  it('a revoked token is refused at once by finance and realtime, and another user cannot revoke it', async () => {
    const member = await register(t);
    const stranger = await register(t);
    const { id, script } = await tokenFor(member, ['read']);
    expect((await call(t, stranger, 'DELETE', `/api/auth/tokens/${id}`)).statusCode).toBe(404);
    expect((await call(t, script, 'GET', '/api/transactions')).statusCode).toBe(200);

    expect((await call(t, member, 'DELETE', `/api/auth/tokens/${id}`)).statusCode).toBe(204);
    for (const url of ['/api/transactions', '/api/webhooks']) {
      const response = await call(t, script, 'GET', url);
      expect(response.statusCode, url).toBe(401);
      expect(response.json()).toMatchObject({ code: 'invalid_token' });
    }
  });

  it('a full write token cannot reach the admin API, create tokens or delete the account', async () => {
    const member = await register(t);
    const { script } = await tokenFor(member, ['write']);
    for (const [method, url] of [
      ['GET', '/api/admin/users'],
      ['POST', '/api/auth/tokens'],
      ['DELETE', '/api/auth/account'],
    ] as const) {
      const response = await call(
        t,
        script,
        method,
        url,
        method === 'GET' ? undefined : { name: 'x', scopes: ['write'], expiresInDays: 1, password: member.password },
      );
      expect(response.statusCode, url).toBe(403);
      expect(response.json()).toMatchObject({ code: 'session_required' });
    }
  });
});
