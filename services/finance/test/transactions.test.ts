import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHash } from '../src/shared/idempotency.js';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

async function count(user: TestUser) {
  const row = await t.ctx.db
    .selectFrom('transactions')
    .select((eb) => eb.fn.countAll<bigint>().as('n'))
    .where('user_id', '=', user.id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('category kinds', () => {
  it('an expense in an income category, or income in an expense one, is a 422 on create and update', async () => {
    const user = await newUser(t);
    for (const body of [
      { type: 'expense', amount: '5.00', category: 'salary' },
      { type: 'income', amount: '5.00', category: 'groceries' },
    ]) {
      const refused = await call(t, user, 'POST', '/api/transactions', body);
      expect(refused.statusCode, JSON.stringify(body)).toBe(422);
      expect(refused.json()).toMatchObject({ code: 'category_type_mismatch' });
    }
    const food = (await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '5.00', category: 'groceries' })).json();
    expect((await call(t, user, 'PATCH', `/api/transactions/${food.id}`, { category: 'salary' })).json()).toMatchObject({
      status: 422,
      code: 'category_type_mismatch',
    });
    expect((await call(t, user, 'PATCH', `/api/transactions/${food.id}`, { type: 'income' })).json()).toMatchObject({
      status: 422,
      code: 'category_type_mismatch',
    });
    expect((await call(t, user, 'PATCH', `/api/transactions/${food.id}`, { type: 'income', category: 'salary' })).statusCode).toBe(200);
    expect((await call(t, user, 'GET', '/api/transactions')).json().items).toHaveLength(1);
  });

  it('is a 422 on a change of many too, and none of them changes', async () => {
    const user = await newUser(t);
    const food = (await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '5.00', category: 'groceries' })).json();
    const pay = (await call(t, user, 'POST', '/api/transactions', { type: 'income', amount: '9.00', category: 'salary' })).json();
    const refused = await call(t, user, 'PATCH', '/api/transactions', { ids: [food.id, pay.id], set: { category: 'salary' } });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'category_type_mismatch' });
    expect((await call(t, user, 'GET', `/api/transactions/${food.id}`)).json()).toMatchObject({ category: 'groceries' });
    // A category of kind `any` takes both.
    const both = await call(t, user, 'POST', '/api/categories', { name: 'Odds and ends', kind: 'any' });
    expect(both.statusCode, both.body).toBe(201);
    const moved = await call(t, user, 'PATCH', '/api/transactions', { ids: [food.id, pay.id], set: { category: both.json().id } });
    expect(moved.statusCode, moved.body).toBe(200);
  });
});

describe('POST /api/transactions', () => {
  it('records a transaction in the default account with every field', async () => {
    const user = await newUser(t);
    const response = await call(t, user, 'POST', '/api/transactions', {
      type: 'expense',
      amount: '42.50',
      currency: 'USD',
      category: 'groceries',
      description: 'Weekly shop',
      merchant: 'Corner Market',
      occurredAt: '2026-03-14T18:30:00+01:00',
      tags: ['food', 'family', 'food'],
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({
      type: 'expense',
      amount: '42.50',
      currency: 'USD',
      category: 'groceries',
      description: 'Weekly shop',
      merchant: 'Corner Market',
      occurredAt: '2026-03-14T17:30:00.000Z',
      tags: ['food', 'family'],
      transferId: null,
    });
    const accounts = (await call(t, user, 'GET', '/api/accounts')).json();
    expect(body.accountId).toBe(accounts.items[0].id);
    expect((await call(t, user, 'GET', `/api/transactions/${body.id}`)).json()).toEqual(body);
  });

  it('takes a category by id as well as by slug, and the user’s own categories', async () => {
    const user = await newUser(t);
    const categories = (await call(t, user, 'GET', '/api/categories')).json().items;
    const rent = categories.find((c: { slug: string }) => c.slug === 'rent');
    expect((await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '900', category: rent.id })).json().category).toBe('rent');
    const own = (await call(t, user, 'POST', '/api/categories', { name: 'Board games' })).json();
    expect(own).toMatchObject({ slug: 'board-games', isDefault: false });
    expect((await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '30', category: 'board-games' })).json().categoryId).toBe(own.id);
    const stranger = await newUser(t);
    expect((await call(t, stranger, 'POST', '/api/transactions', { type: 'expense', amount: '1', category: own.id })).statusCode).toBe(404);
    expect((await call(t, stranger, 'POST', '/api/transactions', { type: 'expense', amount: '1', category: 'board-games' })).statusCode).toBe(404);
  });

  it('keeps sums exact: 0.10 + 0.20 is 0.30', async () => {
    const user = await newUser(t);
    await call(t, user, 'POST', '/api/transactions', { type: 'income', amount: '0.10' });
    await call(t, user, 'POST', '/api/transactions', { type: 'income', amount: 0.2 });
    expect((await call(t, user, 'GET', '/api/accounts')).json().items[0].balance).toBe('0.30');
    const summary = (await call(t, user, 'GET', '/api/transactions/summary?timeframe=month')).json();
    expect(summary.income).toBe('0.30');
  });

  it.each([
    [{ type: 'expense', amount: '1.234' }, 'amount'],
    [{ type: 'expense', amount: 0.30000000000000004 }, 'amount'],
    [{ type: 'expense', amount: '0' }, 'amount'],
    [{ type: 'expense', amount: '-5.00' }, 'amount'],
    [{ type: 'expense', amount: 'ten' }, 'amount'],
    [{ type: 'refund', amount: '5.00' }, 'type'],
    [{ type: 'expense', amount: '5.00', occurredAt: 'yesterday' }, 'occurredAt'],
    // A date-time PostgreSQL could not reach back from (the score's look-back): a 500 before.
    [{ type: 'expense', amount: '5.00', occurredAt: '0001-01-01T00:00:00Z' }, 'occurredAt'],
    [{ type: 'expense', amount: '5.00', occurredAt: '9999-12-31T23:59:59Z' }, 'occurredAt'],
    [{ type: 'expense', amount: '5.00', tags: 'a,b' }, 'tags'],
    [{ type: 'expense', amount: '5.00', accountId: 'nope' }, 'accountId'],
    [{ type: 'expense', amount: '5.00', isFraud: false }, 'isFraud'],
  ])('refuses %o with 400 naming %s and writes nothing', async (payload, field) => {
    const user = await newUser(t);
    const response = await call(t, user, 'POST', '/api/transactions', payload);
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json().errors)).toContain(field);
    expect(await count(user)).toBe(0);
  });

  it('refuses a currency other than the account’s with 422', async () => {
    const user = await newUser(t);
    const response = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '5.00', currency: 'EUR' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'currency_mismatch' });
    expect(await count(user)).toBe(0);
  });
});

describe('Idempotency-Key', () => {
  // The key is claimed before the account and category are resolved: the ones named are still the ones written.
  it('a keyed create into a named account, with a default or an own category, writes there and replays', async () => {
    const user = await newUser(t);
    const account = (await call(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' })).json().id as string;
    const own = (await call(t, user, 'POST', '/api/categories', { name: 'Board games', kind: 'expense' })).json().slug as string;
    for (const [key, category] of [
      ['named-1', 'dining'],
      ['named-2', own],
    ] as const) {
      const body = { type: 'expense', amount: '7.25', category, merchant: 'Dice Shop', accountId: account };
      const first = await call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': key });
      expect(first.statusCode).toBe(201);
      expect(first.json()).toMatchObject({ accountId: account, category, amount: '7.25', merchant: 'Dice Shop' });
      const again = await call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': key });
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json().id).toBe(first.json().id);
    }
    const listed = (await call(t, user, 'GET', `/api/transactions?accountId=${account}`)).json().items as unknown[];
    expect(listed).toHaveLength(2);
  });

  const body = { type: 'expense', amount: '12.00', description: 'taxi' };

  it('a retry with the same key and body returns the first answer and writes nothing', async () => {
    const user = await newUser(t);
    const first = await call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'order-1' });
    const retry = await call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'order-1' });
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await count(user)).toBe(1);
  });

  it('the same key with another body is 422', async () => {
    const user = await newUser(t);
    await call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'order-2' });
    const other = await call(t, user, 'POST', '/api/transactions', { ...body, amount: '13.00' }, { 'idempotency-key': 'order-2' });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'idempotency_key_reused' });
    expect(await count(user)).toBe(1);
  });

  it('two at once: one creates, the other is 409 or a replay, and one row exists', async () => {
    const user = await newUser(t);
    const results = await Promise.all([
      call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'order-3' }),
      call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'order-3' }),
    ]);
    const statuses = results.map((r) => r.statusCode).sort();
    expect([
      [201, 409],
      [201, 201],
    ]).toContainEqual(statuses);
    expect(await count(user)).toBe(1);
  });

  it('a duplicate arriving while the first is still running is 409', async () => {
    const user = await newUser(t);
    // The first request claimed the key and has not finished: its row is pending.
    await t.ctx.db
      .insertInto('idempotency_keys')
      .values({
        user_id: user.id,
        scope: 'transactions.create',
        key: 'order-4',
        request_hash: 'x',
        response_status: null,
        response_body: null,
        created_at: t.clock.now(),
        expires_at: new Date(t.clock.now().getTime() + 86_400_000),
      })
      .execute();
    const duplicate = await call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'order-4' });
    expect(duplicate.statusCode).toBe(422);
    await t.ctx.db
      .updateTable('idempotency_keys')
      .set({ request_hash: requestHash('/api/transactions', Buffer.from(JSON.stringify(body))) })
      .where('key', '=', 'order-4')
      .execute();
    const inFlight = await call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'order-4' });
    expect(inFlight.statusCode).toBe(409);
    expect(inFlight.json()).toMatchObject({ code: 'idempotency_in_progress' });
    expect(await count(user)).toBe(0);
  });

  it('keys are per user, expire after 24 hours, and a failed request frees its key', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    await call(t, alice, 'POST', '/api/transactions', body, { 'idempotency-key': 'shared' });
    expect((await call(t, bob, 'POST', '/api/transactions', body, { 'idempotency-key': 'shared' })).headers['idempotent-replayed']).toBeUndefined();
    expect(await count(bob)).toBe(1);

    t.clock.advance(24 * 3_600_000 + 1000);
    const later = await call(t, alice, 'POST', '/api/transactions', body, { 'idempotency-key': 'shared' });
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(await count(alice)).toBe(2);

    const failed = await call(t, alice, 'POST', '/api/transactions', { ...body, currency: 'EUR' }, { 'idempotency-key': 'fix-me' });
    expect(failed.statusCode).toBe(422);
    expect((await call(t, alice, 'POST', '/api/transactions', { ...body, amount: '11.00' }, { 'idempotency-key': 'fix-me' })).statusCode).toBe(201);
  });

  it('refuses a malformed key with 400', async () => {
    const user = await newUser(t);
    const response = await call(t, user, 'POST', '/api/transactions', body, { 'idempotency-key': 'x'.repeat(300) });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({ field: 'idempotency-key', in: 'headers' });
  });
});

describe('GET /api/transactions', () => {
  let user: TestUser;
  let accountId: string;

  beforeAll(async () => {
    user = await newUser(t);
    accountId = (await call(t, user, 'POST', '/api/accounts', { name: 'Second', type: 'checking' })).json().id;
    const rows = [
      { type: 'income', amount: '3000.00', category: 'salary', description: 'March salary', occurredAt: '2026-03-01T09:00:00Z' },
      {
        type: 'expense',
        amount: '54.20',
        category: 'groceries',
        merchant: 'Corner Market',
        description: 'Food',
        occurredAt: '2026-03-02T10:00:00Z',
        tags: ['food'],
      },
      {
        type: 'expense',
        amount: '12.00',
        category: 'dining',
        merchant: 'Noodle Bar',
        description: 'Lunch with Sam',
        occurredAt: '2026-03-03T12:00:00Z',
        tags: ['food', 'social'],
      },
      { type: 'expense', amount: '900.00', category: 'rent', description: 'Rent', occurredAt: '2026-03-04T08:00:00Z' },
      { type: 'expense', amount: '7.50', category: 'transport', merchant: 'Metro', occurredAt: '2026-03-05T08:00:00Z', accountId },
      { type: 'expense', amount: '20.00', category: 'groceries', merchant: 'corner market', occurredAt: '2026-02-20T08:00:00Z' },
    ];
    for (const row of rows) expect((await call(t, user, 'POST', '/api/transactions', row)).statusCode).toBe(201);
  });

  const list = async (query: string) => (await call(t, user, 'GET', `/api/transactions?${query}`)).json();
  const amounts = (body: { items: { amount: string }[] }) => body.items.map((i) => i.amount);

  it('lists newest first', async () => {
    expect(amounts(await list(''))).toEqual(['7.50', '900.00', '12.00', '54.20', '3000.00', '20.00']);
  });

  it.each([
    ['from=2026-03-02T00:00:00Z&to=2026-03-04T00:00:00Z', ['12.00', '54.20']],
    ['type=income', ['3000.00']],
    ['category=groceries', ['54.20', '20.00']],
    ['tag=social', ['12.00']],
    ['merchant=CORNER%20MARKET', ['54.20', '20.00']],
    ['text=lunch', ['12.00']],
    ['minAmount=12&maxAmount=54.20', ['12.00', '54.20', '20.00']],
  ])('filters by %s', async (query, expected) => {
    expect(amounts(await list(query))).toEqual(expected);
  });

  it.each(['minAmount=abc', 'maxAmount=1e9', 'minAmount=0.001', 'maxAmount='])('refuses %s with a 400 naming the filter in the query', async (query) => {
    const response = await call(t, user, 'GET', `/api/transactions?${query}`);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: query.split('=')[0], in: 'querystring' }] });
  });

  it('filters by account', async () => {
    expect(amounts(await list(`accountId=${accountId}`))).toEqual(['7.50']);
  });

  it('pages by cursor without gaps or repeats, also when times tie', async () => {
    for (let i = 0; i < 5; i += 1) {
      await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: `1.0${i}`, occurredAt: '2026-03-06T00:00:00Z' });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await list(`limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    const all = (await list('limit=200')).items.map((i: { id: string }) => i.id);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(11);
    expect(pages).toBe(4);
  });

  it('never shows another user’s transactions, and 404s their ids', async () => {
    const stranger = await newUser(t);
    expect((await call(t, stranger, 'GET', '/api/transactions')).json().items).toEqual([]);
    const mine = (await list('limit=1')).items[0];
    expect((await call(t, stranger, 'GET', `/api/transactions/${mine.id}`)).statusCode).toBe(404);
    expect((await call(t, stranger, 'PATCH', `/api/transactions/${mine.id}`, { description: 'hacked' })).statusCode).toBe(404);
    expect((await call(t, stranger, 'DELETE', `/api/transactions/${mine.id}`)).statusCode).toBe(404);
    expect((await call(t, user, 'GET', `/api/transactions/${mine.id}`)).json().description).toBe(mine.description);
    // Filtering by someone else's account is a 404 naming the field, as a category of theirs is.
    for (const path of [`/api/transactions?accountId=${mine.accountId}`, `/api/transactions/transfer-candidates?accountId=${mine.accountId}`]) {
      const refused = await call(t, stranger, 'GET', path);
      expect(refused.statusCode, path).toBe(404);
      expect(refused.json().code, path).toBe('account_not_found');
    }
  });

  it('rejects bad query input with 400', async () => {
    for (const query of ['limit=0', 'limit=500', 'type=gift', 'from=last-week', 'cursor=garbage', 'sort=asc', 'minRisk=', 'minRisk=1.5', 'minRisk=-1']) {
      expect((await call(t, user, 'GET', `/api/transactions?${query}`)).statusCode, query).toBe(400);
    }
  });
});

describe('PATCH and DELETE /api/transactions/:id', () => {
  it('changes fields and keeps the balance in step', async () => {
    const user = await newUser(t);
    const tx = (await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '10.00', category: 'dining' })).json();
    const changed = await call(t, user, 'PATCH', `/api/transactions/${tx.id}`, { amount: '12.34', category: null, tags: ['work'], merchant: 'Cafe' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ amount: '12.34', category: null, tags: ['work'], merchant: 'Cafe', description: null });
    expect((await call(t, user, 'GET', '/api/accounts')).json().items[0].balance).toBe('-12.34');
    expect((await call(t, user, 'PATCH', `/api/transactions/${tx.id}`, { type: 'income' })).json().type).toBe('income');
    expect((await call(t, user, 'GET', '/api/accounts')).json().items[0].balance).toBe('12.34');
  });

  it('refuses bad changes with 400 and changes nothing', async () => {
    const user = await newUser(t);
    const tx = (await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '10.00' })).json();
    for (const payload of [{}, { amount: '1.001' }, { currency: 'EUR' }, { type: 'transfer_in' }, { id: tx.id }]) {
      expect((await call(t, user, 'PATCH', `/api/transactions/${tx.id}`, payload)).statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await call(t, user, 'GET', `/api/transactions/${tx.id}`)).json()).toEqual(tx);
  });

  it('a transfer leg keeps its account (409); its amount changes on both legs (transfers-link.test.ts)', async () => {
    const user = await newUser(t);
    const main = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
    const other = (await call(t, user, 'POST', '/api/accounts', { name: 'Other', type: 'savings' })).json();
    const moved = (await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: main.id, toAccountId: other.id, amount: '5.00' })).json();
    expect((await call(t, user, 'PATCH', `/api/transactions/${moved.from.id}`, { accountId: other.id })).statusCode).toBe(409);
    expect((await call(t, user, 'PATCH', `/api/transactions/${moved.from.id}`, { description: 'to savings' })).statusCode).toBe(200);
  });

  it('delete removes it; a second delete is 404', async () => {
    const user = await newUser(t);
    const tx = (await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '10.00' })).json();
    expect((await call(t, user, 'DELETE', `/api/transactions/${tx.id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'DELETE', `/api/transactions/${tx.id}`)).statusCode).toBe(404);
    expect(await count(user)).toBe(0);
  });
});

describe('GET /api/transactions/summary', () => {
  it('sums the current period by category, excluding transfers and other periods and currencies', async () => {
    t.clock.set('2026-03-15T12:00:00Z');
    const user = await newUser(t);
    const euro = (await call(t, user, 'POST', '/api/accounts', { name: 'Euro', type: 'checking', currency: 'EUR' })).json();
    const savings = (await call(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' })).json();
    const main = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
    const post = (row: object) => call(t, user, 'POST', '/api/transactions', row);
    await post({ type: 'income', amount: '2500.00', category: 'salary', occurredAt: '2026-03-01T00:00:00Z' });
    await post({ type: 'expense', amount: '40.10', category: 'groceries', occurredAt: '2026-03-09T00:00:00Z' });
    await post({ type: 'expense', amount: '9.90', category: 'groceries', occurredAt: '2026-03-15T11:00:00Z' });
    await post({ type: 'expense', amount: '15.00', occurredAt: '2026-03-10T00:00:00Z' });
    await post({ type: 'expense', amount: '99.00', category: 'groceries', occurredAt: '2026-02-28T23:59:59Z' });
    await post({ type: 'expense', amount: '70.00', accountId: euro.id, occurredAt: '2026-03-10T00:00:00Z' });
    await call(t, user, 'POST', '/api/accounts/transfers', {
      fromAccountId: main.id,
      toAccountId: savings.id,
      amount: '500.00',
      occurredAt: '2026-03-10T00:00:00Z',
    });

    const month = (await call(t, user, 'GET', '/api/transactions/summary?timeframe=month')).json();
    expect(month).toMatchObject({
      timeframe: 'month',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      currency: 'USD',
      income: '2500.00',
      expense: '65.00',
      net: '2435.00',
    });
    expect(month.byCategory).toEqual([
      { category: 'groceries', name: 'Groceries', income: '0.00', expense: '50.00', count: 2 },
      { category: null, name: null, income: '0.00', expense: '15.00', count: 1 },
      { category: 'salary', name: 'Salary', income: '2500.00', expense: '0.00', count: 1 },
    ]);
    // The ISO week of Sunday 15 March 2026 starts on Monday 9 March.
    const week = (await call(t, user, 'GET', '/api/transactions/summary?timeframe=week')).json();
    expect(week).toMatchObject({ from: '2026-03-09T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z', expense: '65.00', income: '0.00' });
    expect((await call(t, user, 'GET', '/api/transactions/summary?timeframe=quarter')).json()).toMatchObject({
      from: '2026-01-01T00:00:00.000Z',
      expense: '164.00',
    });
    expect((await call(t, user, 'GET', '/api/transactions/summary?timeframe=year&currency=EUR')).json()).toMatchObject({ currency: 'EUR', expense: '70.00' });
    expect((await call(t, user, 'GET', '/api/transactions/summary?timeframe=decade')).statusCode).toBe(400);
  });
});
