import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

// The create and list paths the benchmark tuned (docs/benchmarks.md): same answers as before.

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

describe('POST /api/transactions answers what it stored', () => {
  it('the created answer equals the stored row, on the default account made on first use', async () => {
    const user = await newUser(t);
    const created = await call(t, user, 'POST', '/api/transactions', {
      type: 'expense',
      amount: '12.30',
      category: 'Groceries',
      description: 'Market',
      merchant: 'Fresh',
      tags: ['food', 'food', 'weekly'],
      occurredAt: '2026-03-14T10:00:00+01:00',
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      type: 'expense',
      amount: '12.30',
      currency: 'USD',
      category: 'groceries',
      description: 'Market',
      merchant: 'Fresh',
      tags: ['food', 'weekly'],
      occurredAt: '2026-03-14T09:00:00.000Z',
      transferId: null,
    });
    expect((await call(t, user, 'GET', `/api/transactions/${body.id}`)).json()).toEqual(body);
    const accounts = (await call(t, user, 'GET', '/api/accounts')).json().items;
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ id: body.accountId, isDefault: true, balance: '-12.30' });
    const plain = (await call(t, user, 'POST', '/api/transactions', { type: 'income', amount: 5 })).json();
    expect(plain).toMatchObject({ category: null, categoryId: null, description: null, merchant: null, tags: [], occurredAt: '2026-03-15T12:00:00.000Z' });
    expect((await call(t, user, 'GET', `/api/transactions/${plain.id}`)).json()).toEqual(plain);
  });

  it('a named account must be the caller’s and open', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const card = (await call(t, alice, 'POST', '/api/accounts', { name: 'Card', type: 'credit_card', currency: 'EUR' })).json();
    expect((await call(t, bob, 'POST', '/api/transactions', { accountId: card.id, type: 'expense', amount: '1.00' })).statusCode).toBe(404);
    expect((await call(t, alice, 'POST', '/api/transactions', { accountId: card.id, type: 'expense', amount: '1.00', currency: 'USD' })).statusCode).toBe(422);
    expect((await call(t, alice, 'POST', '/api/transactions', { accountId: card.id, type: 'expense', amount: '1.00' })).json()).toMatchObject({
      accountId: card.id,
      currency: 'EUR',
    });
    await call(t, alice, 'PATCH', `/api/accounts/${card.id}`, { archived: true });
    expect((await call(t, alice, 'POST', '/api/transactions', { accountId: card.id, type: 'expense', amount: '1.00' })).statusCode).toBe(422);
    expect((await call(t, bob, 'GET', '/api/transactions')).json().items).toEqual([]);
  });
});

describe('POST /api/transactions on accounts in other currencies', () => {
  it('reads the amount in the account’s currency, the first time and every time after', async () => {
    const user = await newUser(t);
    const dinar = (await call(t, user, 'POST', '/api/accounts', { name: 'Dinar', type: 'cash', currency: 'BHD' })).json();
    const yen = (await call(t, user, 'POST', '/api/accounts', { name: 'Yen', type: 'cash', currency: 'JPY' })).json();
    for (const [account, amount, stored] of [
      [dinar, '1.234', '1.234'],
      [dinar, '2.5', '2.500'],
      [yen, '500', '500'],
      [yen, 7, '7'],
    ] as const) {
      const created = await call(t, user, 'POST', '/api/transactions', { accountId: account.id, type: 'expense', amount });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ accountId: account.id, currency: account.currency, amount: stored });
    }
    const tooFine = await call(t, user, 'POST', '/api/transactions', { accountId: yen.id, type: 'expense', amount: '1.5' });
    expect(tooFine.statusCode).toBe(400);
    expect(tooFine.json().errors[0]).toMatchObject({ field: 'amount' });
    const balances = (await call(t, user, 'GET', '/api/accounts')).json().items.map((a: { currency: string; balance: string }) => [a.currency, a.balance]);
    expect(balances).toEqual(
      expect.arrayContaining([
        ['BHD', '-3.734'],
        ['JPY', '-507'],
      ]),
    );
  });
});

describe('POST /api/transactions with an Idempotency-Key', () => {
  const count = async (user: TestUser) => (await call(t, user, 'GET', '/api/transactions?limit=200')).json().items.length as number;

  it('a retry with the same key and body replays the first answer and writes nothing', async () => {
    const user = await newUser(t);
    const body = { type: 'expense', amount: '0.10', category: 'dining', tags: ['x'] };
    const first = await call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'k-1' });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'k-1' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await count(user)).toBe(1);
    // Keys are per user: another user's same key is a new request.
    const other = await newUser(t);
    expect((await call(t, other, 'POST', '/api/transactions', body, { 'idempotency-key': 'k-1' })).headers['idempotent-replayed']).toBeUndefined();
    expect(await count(other)).toBe(1);
  });

  it('the same key with another body is 422, and writes nothing', async () => {
    const user = await newUser(t);
    await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '1.00' }, { 'idempotency-key': 'k-2' });
    const other = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '2.00' }, { 'idempotency-key': 'k-2' });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'idempotency_key_reused' });
    expect(await count(user)).toBe(1);
  });

  it('two at once with one key create one transaction; the other is 409 or the replayed answer', async () => {
    const user = await newUser(t);
    const body = { type: 'income', amount: '100.00' };
    const answers = await Promise.all([0, 1, 2].map(() => call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'k-3' })));
    const created = answers.filter((a) => a.statusCode === 201 && a.headers['idempotent-replayed'] === undefined);
    expect(created).toHaveLength(1);
    for (const answer of answers) expect([201, 409]).toContain(answer.statusCode);
    expect(await count(user)).toBe(1);
  });

  it('a request that fails frees its key, so a corrected retry with it works; keys expire after the TTL', async () => {
    const user = await newUser(t);
    const failed = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '1.00', category: 'caviar' }, { 'idempotency-key': 'k-4' });
    expect(failed.statusCode).toBe(404);
    const badAmount = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '1.001' }, { 'idempotency-key': 'k-4' });
    expect(badAmount.statusCode).toBe(400);
    expect(await count(user)).toBe(0);
    const fixed = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '1.00', category: 'dining' }, { 'idempotency-key': 'k-4' });
    expect(fixed.statusCode).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    t.clock.advance(25 * 3_600_000);
    try {
      const later = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '3.00' }, { 'idempotency-key': 'k-4' });
      expect(later.statusCode).toBe(201);
      expect(later.headers['idempotent-replayed']).toBeUndefined();
    } finally {
      t.clock.advance(-25 * 3_600_000);
    }
    expect(await count(user)).toBe(2);
  });
});

describe('GET /api/transactions pages by keyset', () => {
  it('walks every row once, newest first, through ties on occurredAt and filters', async () => {
    const user = await newUser(t);
    // 3 rows at each of 5 times: ties must be broken by id, across page boundaries.
    const rows = Array.from({ length: 15 }, (_, i) => `2026-03-${String(10 - Math.floor(i / 3)).padStart(2, '0')},-${i + 1}.00,row ${i}`);
    await t.app.inject({
      method: 'POST',
      url: '/api/transactions/import',
      headers: { ...user.headers, 'content-type': 'text/csv' },
      payload: `date,amount,description\n${rows.join('\n')}\n`,
    });
    const seen: { id: string; occurredAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { id: string; occurredAt: string }[]; nextCursor: string | null } = (
        await call(t, user, 'GET', `/api/transactions?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`)
      ).json();
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
    const rest = (
      await call(t, user, 'GET', `/api/transactions?limit=10&from=2026-03-07T00:00:00Z&to=2026-03-09T00:00:00Z&cursor=${filtered.nextCursor}`)
    ).json();
    expect(rest.items).toHaveLength(4);
    expect(rest.nextCursor).toBeNull();
  });
});
