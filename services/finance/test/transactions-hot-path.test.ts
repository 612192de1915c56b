import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestFinance, type TestFinance } from './helpers.js';

// The create and list paths the benchmark tuned (docs/benchmarks.md): same answers as before.

let t: TestFinance;
beforeAll(async () => { t = await createTestFinance(); });
afterAll(async () => { await t.close(); });

describe('POST /api/transactions answers what it stored', () => {
  it('the created answer equals the stored row, on the default account made on first use', async () => {
    const user = await t.newUser();
    const created = await call(t, user, 'POST', '/api/transactions', {
      type: 'expense', amount: '12.30', category: 'Groceries', description: 'Market', merchant: 'Fresh', tags: ['food', 'food', 'weekly'], occurredAt: '2026-03-14T10:00:00+01:00',
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ type: 'expense', amount: '12.30', currency: 'USD', category: 'groceries', description: 'Market', merchant: 'Fresh', tags: ['food', 'weekly'], occurredAt: '2026-03-14T09:00:00.000Z', transferId: null });
    expect((await call(t, user, 'GET', `/api/transactions/${body.id}`)).json()).toEqual(body);
    const accounts = (await call(t, user, 'GET', '/api/accounts')).json().items;
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ id: body.accountId, isDefault: true, balance: '-12.30' });
    const plain = (await call(t, user, 'POST', '/api/transactions', { type: 'income', amount: 5 })).json();
    expect(plain).toMatchObject({ category: null, categoryId: null, description: null, merchant: null, tags: [], occurredAt: '2026-03-15T12:00:00.000Z' });
    expect((await call(t, user, 'GET', `/api/transactions/${plain.id}`)).json()).toEqual(plain);
  });

  it('a named account must be the caller’s and open', async () => {
    const alice = await t.newUser();
    const bob = await t.newUser();
    const card = (await call(t, alice, 'POST', '/api/accounts', { name: 'Card', type: 'credit_card', currency: 'EUR' })).json();
    expect((await call(t, bob, 'POST', '/api/transactions', { accountId: card.id, type: 'expense', amount: '1.00' })).statusCode).toBe(404);
    expect((await call(t, alice, 'POST', '/api/transactions', { accountId: card.id, type: 'expense', amount: '1.00', currency: 'USD' })).statusCode).toBe(422);
    expect((await call(t, alice, 'POST', '/api/transactions', { accountId: card.id, type: 'expense', amount: '1.00' })).json()).toMatchObject({ accountId: card.id, currency: 'EUR' });
    await call(t, alice, 'PATCH', `/api/accounts/${card.id}`, { archived: true });
    expect((await call(t, alice, 'POST', '/api/transactions', { accountId: card.id, type: 'expense', amount: '1.00' })).statusCode).toBe(422);
    expect((await call(t, bob, 'GET', '/api/transactions')).json().items).toEqual([]);
  });
});

describe('GET /api/transactions pages by keyset', () => {
  it('walks every row once, newest first, through ties on occurredAt and filters', async () => {
    const user = await t.newUser();
    // 3 rows at each of 5 times: ties must be broken by id, across page boundaries.
    const rows = Array.from({ length: 15 }, (_, i) => `2026-03-${String(10 - Math.floor(i / 3)).padStart(2, '0')},-${i + 1}.00,row ${i}`);
    await t.app.inject({ method: 'POST', url: '/api/transactions/import', headers: { ...user.headers, 'content-type': 'text/csv' }, payload: `date,amount,description\n${rows.join('\n')}\n` });
    const seen: { id: string; occurredAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { id: string; occurredAt: string }[]; nextCursor: string | null } = (await call(t, user, 'GET', `/api/transactions?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`)).json();
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(4);
    expect(new Set(seen.map((r) => r.id)).size).toBe(15);
    const sorted = [...seen].sort((a, b) => (a.occurredAt === b.occurredAt ? b.id.localeCompare(a.id) : b.occurredAt.localeCompare(a.occurredAt)));
    expect(seen).toEqual(sorted);

    const filtered = (await call(t, user, 'GET', `/api/transactions?limit=2&from=2026-03-07T00:00:00Z&to=2026-03-09T00:00:00Z`)).json();
    expect(filtered.items.map((r: { occurredAt: string }) => r.occurredAt)).toEqual(['2026-03-08T00:00:00.000Z', '2026-03-08T00:00:00.000Z']);
    const rest = (await call(t, user, 'GET', `/api/transactions?limit=10&from=2026-03-07T00:00:00Z&to=2026-03-09T00:00:00Z&cursor=${filtered.nextCursor}`)).json();
    expect(rest.items).toHaveLength(4);
    expect(rest.nextCursor).toBeNull();
  });
});
