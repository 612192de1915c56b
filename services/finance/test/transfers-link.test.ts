import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

// Transfers found in bank data (issue 10): linking legs, suggesting pairs, editing both legs, and
// transfers between currencies. The clock stands at 2026-03-15 12:00 UTC.
let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

const OTHER_ID = '0190a000-0000-7000-8000-000000000000';

async function published(user: TestUser, type: string) {
  const rows = await t.ctx.db.selectFrom('outbox').select(['payload']).where('user_id', '=', user.id).where('type', '=', type).orderBy('id').execute();
  return rows.map((r) => r.payload as Record<string, unknown>);
}

async function accounts(user: TestUser, ...extra: { name: string; currency?: string }[]) {
  const main = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
  const others = [];
  for (const account of extra) {
    const response = await call(t, user, 'POST', '/api/accounts', { type: 'savings', ...account });
    expect(response.statusCode, response.body).toBe(201);
    others.push(response.json());
  }
  return [main, ...others];
}

async function record(user: TestUser, body: Record<string, unknown>) {
  const response = await call(t, user, 'POST', '/api/transactions', body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function balances(user: TestUser) {
  const items = (await call(t, user, 'GET', '/api/accounts')).json().items as { name: string; balance: string }[];
  return Object.fromEntries(items.map((a) => [a.name, a.balance]));
}

describe('POST /api/transactions/:id/link-transfer', () => {
  it('a linked sweep stops counting as spending and income in the summary and in budgets', async () => {
    const user = await newUser(t);
    const [main, savings] = await accounts(user, { name: 'Savings' });
    await call(t, user, 'POST', '/api/budgets', { name: 'Everything', amount: '1000.00', period: 'monthly', startDate: '2026-03-01' });
    await record(user, { type: 'expense', amount: '40.00', category: 'groceries', occurredAt: '2026-03-02T10:00:00Z' });
    const sweep = await record(user, {
      accountId: main.id,
      type: 'expense',
      amount: '500.00',
      category: 'savings',
      description: 'SWEEP TO SAVINGS',
      occurredAt: '2026-03-10T09:00:00Z',
    });
    const arrived = await record(user, {
      accountId: savings.id,
      type: 'income',
      amount: '500.00',
      category: 'other-income',
      description: 'SWEEP FROM CHECKING',
      occurredAt: '2026-03-12T09:00:00Z',
    });

    const before = (await call(t, user, 'GET', '/api/transactions/summary')).json();
    expect(before).toMatchObject({ income: '500.00', expense: '540.00' });
    expect((await call(t, user, 'GET', '/api/budgets/overview')).json().items[0]).toMatchObject({ spent: '540.00' });

    const linked = await call(t, user, 'POST', `/api/transactions/${sweep.id}/link-transfer`, { counterpartId: arrived.id });
    expect(linked.statusCode, linked.body).toBe(200);
    const body = linked.json();
    expect(body).toMatchObject({
      rate: '1',
      from: {
        id: sweep.id,
        type: 'transfer_out',
        amount: '500.00',
        category: null,
        categoryId: null,
        accountId: main.id,
        occurredAt: '2026-03-10T09:00:00.000Z',
      },
      to: { id: arrived.id, type: 'transfer_in', amount: '500.00', category: null, accountId: savings.id, occurredAt: '2026-03-12T09:00:00.000Z' },
    });
    expect(body.from.transferId).toBe(body.transferId);
    expect(body.to.transferId).toBe(body.transferId);

    const after = (await call(t, user, 'GET', '/api/transactions/summary')).json();
    expect(after).toMatchObject({ income: '0.00', expense: '40.00', net: '-40.00' });
    expect(after.byCategory.map((c: { category: string }) => c.category)).toEqual(['groceries']);
    expect((await call(t, user, 'GET', '/api/budgets/overview')).json().items[0]).toMatchObject({ spent: '40.00' });
    // Linking moves no money: balances stay.
    expect(await balances(user)).toEqual({ 'Main account': '-540.00', Savings: '500.00' });
    expect((await call(t, user, 'GET', '/api/transactions?type=transfer')).json().items).toHaveLength(2);

    const updated = await published(user, 'transaction.updated');
    expect(updated).toEqual([
      expect.objectContaining({
        transactionId: sweep.id,
        type: 'transfer_out',
        transferId: body.transferId,
        categoryId: null,
        changed: ['type', 'transferId', 'category'],
      }),
      expect.objectContaining({
        transactionId: arrived.id,
        type: 'transfer_in',
        transferId: body.transferId,
        categoryId: null,
        changed: ['type', 'transferId', 'category'],
      }),
    ]);

    // Linking either leg again is a 409, and so is deleting one (both go, as for any transfer).
    const again = await call(t, user, 'POST', `/api/transactions/${arrived.id}/link-transfer`, { counterpartId: sweep.id });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('already_transfer');
    expect((await call(t, user, 'DELETE', `/api/transactions/${arrived.id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'GET', `/api/transactions/${sweep.id}`)).statusCode).toBe(404);
  });

  it('two links of one expense racing: one wins, the other is 409, and no transfer gets a third leg', async () => {
    const user = await newUser(t);
    const [main, savings, card] = await accounts(user, { name: 'Savings' }, { name: 'Card' });
    const out = await record(user, { accountId: main.id, type: 'expense', amount: '30.00', occurredAt: '2026-03-10T00:00:00Z' });
    const one = await record(user, { accountId: savings.id, type: 'income', amount: '30.00', occurredAt: '2026-03-10T00:00:00Z' });
    const two = await record(user, { accountId: card.id, type: 'income', amount: '30.00', occurredAt: '2026-03-10T00:00:00Z' });
    const responses = await Promise.all([
      call(t, user, 'POST', `/api/transactions/${out.id}/link-transfer`, { counterpartId: one.id }),
      call(t, user, 'POST', `/api/transactions/${out.id}/link-transfer`, { counterpartId: two.id }),
      call(t, user, 'POST', `/api/transactions/${out.id}/link-transfer`, { accountId: card.id }),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    const legs = (await call(t, user, 'GET', '/api/transactions?type=transfer')).json().items;
    expect(legs).toHaveLength(2);
    expect(new Set(legs.map((l: { transferId: string }) => l.transferId)).size).toBe(1);
  });

  it('links from the income side too', async () => {
    const user = await newUser(t);
    const [main, card] = await accounts(user, { name: 'Card' });
    const payment = await record(user, { accountId: main.id, type: 'expense', amount: '120.00', occurredAt: '2026-03-14T00:00:00Z' });
    const credit = await record(user, { accountId: card.id, type: 'income', amount: '120.00', occurredAt: '2026-03-09T00:00:00Z' }); // exactly 5 days
    const linked = await call(t, user, 'POST', `/api/transactions/${credit.id}/link-transfer`, { counterpartId: payment.id });
    expect(linked.statusCode, linked.body).toBe(200);
    expect(linked.json()).toMatchObject({ from: { id: payment.id, type: 'transfer_out' }, to: { id: credit.id, type: 'transfer_in' } });
  });

  it('refuses pairs that do not match with 422 naming the reason, and changes nothing', async () => {
    const user = await newUser(t);
    const [main, savings, euros] = await accounts(user, { name: 'Savings' }, { name: 'Euros', currency: 'EUR' });
    const out = await record(user, { accountId: main.id, type: 'expense', amount: '100.00', occurredAt: '2026-03-10T00:00:00Z' });
    const cases: [Record<string, unknown>, string][] = [
      [{ accountId: savings.id, type: 'income', amount: '100.01', occurredAt: '2026-03-10T00:00:00Z' }, 'amount_mismatch'],
      [{ accountId: euros.id, type: 'income', amount: '100.00', occurredAt: '2026-03-10T00:00:00Z' }, 'currency_mismatch'],
      [{ accountId: savings.id, type: 'income', amount: '100.00', occurredAt: '2026-03-15T00:00:01Z' }, 'dates_too_far'],
      [{ accountId: main.id, type: 'income', amount: '100.00', occurredAt: '2026-03-10T00:00:00Z' }, 'same_account'],
      [{ accountId: savings.id, type: 'expense', amount: '100.00', occurredAt: '2026-03-10T00:00:00Z' }, 'types_do_not_pair'],
    ];
    for (const [body, code] of cases) {
      const other = await record(user, body);
      const response = await call(t, user, 'POST', `/api/transactions/${out.id}/link-transfer`, { counterpartId: other.id });
      expect(response.statusCode, code).toBe(422);
      expect(response.json().code).toBe(code);
      expect((await call(t, user, 'GET', `/api/transactions/${other.id}`)).json().transferId).toBeNull();
    }
    const self = await call(t, user, 'POST', `/api/transactions/${out.id}/link-transfer`, { counterpartId: out.id });
    expect(self.statusCode).toBe(422);
    expect((await call(t, user, 'GET', `/api/transactions/${out.id}`)).json()).toMatchObject({ type: 'expense', transferId: null });
    expect(await published(user, 'transaction.updated')).toEqual([]);
  });

  it('bad bodies are 400 naming the field', async () => {
    const user = await newUser(t);
    const tx = await record(user, { type: 'expense', amount: '1.00' });
    for (const body of [
      {},
      { counterpartId: 'nope' },
      { counterpartId: OTHER_ID, accountId: OTHER_ID },
      { counterpartId: OTHER_ID, amount: '1.00' },
      { accountId: OTHER_ID, extra: 1 },
    ]) {
      const response = await call(t, user, 'POST', `/api/transactions/${tx.id}/link-transfer`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().errors.length, JSON.stringify(body)).toBeGreaterThan(0);
    }
  });

  it('another user’s transaction or account is 404, and theirs is untouched', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const [, aliceSavings] = await accounts(alice, { name: 'Savings' });
    const [bobMain, bobSavings] = await accounts(bob, { name: 'Savings' });
    const hers = await record(alice, { accountId: aliceSavings.id, type: 'income', amount: '10.00' });
    const his = await record(bob, { accountId: bobMain.id, type: 'expense', amount: '10.00' });
    const asCounterpart = await call(t, bob, 'POST', `/api/transactions/${his.id}/link-transfer`, { counterpartId: hers.id });
    expect(asCounterpart.statusCode).toBe(404);
    expect(asCounterpart.json().detail).toContain('counterpartId');
    expect((await call(t, bob, 'POST', `/api/transactions/${hers.id}/link-transfer`, { accountId: bobSavings.id })).statusCode).toBe(404);
    expect((await call(t, bob, 'POST', `/api/transactions/${his.id}/link-transfer`, { accountId: aliceSavings.id })).statusCode).toBe(404);
    expect((await call(t, bob, 'POST', `/api/transactions/${OTHER_ID}/link-transfer`, { accountId: bobSavings.id })).statusCode).toBe(404);
    expect((await call(t, alice, 'GET', `/api/transactions/${hers.id}`)).json()).toMatchObject({ type: 'income', transferId: null });
    expect((await call(t, bob, 'GET', `/api/transactions/${his.id}`)).json()).toMatchObject({ type: 'expense', transferId: null });
    expect((await call(t, bob, 'GET', '/api/transactions/transfer-candidates')).json().items).toEqual([]);
  });

  it('with accountId records the missing leg there (201), in that account’s currency when it differs', async () => {
    const user = await newUser(t);
    const [main, savings, euros] = await accounts(user, { name: 'Savings' }, { name: 'Euros', currency: 'EUR' });
    const sweep = await record(user, {
      accountId: main.id,
      type: 'expense',
      amount: '75.00',
      category: 'savings',
      description: 'To savings',
      occurredAt: '2026-03-03T08:00:00Z',
    });
    const created = await call(t, user, 'POST', `/api/transactions/${sweep.id}/link-transfer`, { accountId: savings.id });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      rate: '1',
      from: { id: sweep.id, type: 'transfer_out', category: null, amount: '75.00' },
      to: {
        type: 'transfer_in',
        accountId: savings.id,
        amount: '75.00',
        currency: 'USD',
        description: 'To savings',
        occurredAt: '2026-03-03T08:00:00.000Z',
        transferId: body.transferId,
      },
    });
    expect(await balances(user)).toEqual({ 'Main account': '-75.00', Savings: '75.00', Euros: '0.00' });
    expect(await published(user, 'transaction.created')).toEqual(
      expect.arrayContaining([expect.objectContaining({ transactionId: body.to.id, type: 'transfer_in', transferId: body.transferId })]),
    );

    const wire = await record(user, { accountId: main.id, type: 'expense', amount: '110.00', occurredAt: '2026-03-04T08:00:00Z' });
    const missing = await call(t, user, 'POST', `/api/transactions/${wire.id}/link-transfer`, { accountId: euros.id });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0]).toMatchObject({ field: 'amount' });
    const sameCurrencyOther = await call(t, user, 'POST', `/api/transactions/${wire.id}/link-transfer`, { accountId: savings.id, amount: '109.00' });
    expect(sameCurrencyOther.statusCode).toBe(422);
    expect(sameCurrencyOther.json().code).toBe('amount_mismatch');
    expect((await call(t, user, 'POST', `/api/transactions/${wire.id}/link-transfer`, { accountId: main.id })).json().code).toBe('same_account');
    const converted = await call(t, user, 'POST', `/api/transactions/${wire.id}/link-transfer`, { accountId: euros.id, amount: '100.00' });
    expect(converted.statusCode, converted.body).toBe(201);
    expect(converted.json()).toMatchObject({
      rate: '0.90909091',
      from: { amount: '110.00', currency: 'USD' },
      to: { amount: '100.00', currency: 'EUR', accountId: euros.id },
    });
    expect(await balances(user)).toEqual({ 'Main account': '-185.00', Savings: '75.00', Euros: '100.00' });
  });
});

describe('GET /api/transactions/transfer-candidates', () => {
  it('suggests expense/income pairs of one amount and currency across accounts, closest first, paged', async () => {
    const user = await newUser(t);
    const [main, savings, card, euros] = await accounts(user, { name: 'Savings' }, { name: 'Card' }, { name: 'Euros', currency: 'EUR' });
    const sweep = await record(user, { accountId: main.id, type: 'expense', amount: '200.00', occurredAt: '2026-03-10T00:00:00Z' });
    const sweepIn = await record(user, { accountId: savings.id, type: 'income', amount: '200.00', occurredAt: '2026-03-11T12:00:00Z' }); // 36 h
    const cardPay = await record(user, { accountId: main.id, type: 'expense', amount: '55.10', occurredAt: '2026-03-05T00:00:00Z' });
    const cardIn = await record(user, { accountId: card.id, type: 'income', amount: '55.10', occurredAt: '2026-03-05T02:00:00Z' }); // 2 h
    // Not candidates: another amount, the same account, too far apart, another currency, already a transfer.
    await record(user, { accountId: savings.id, type: 'income', amount: '55.11', occurredAt: '2026-03-05T00:00:00Z' });
    await record(user, { accountId: main.id, type: 'income', amount: '200.00', occurredAt: '2026-03-10T00:00:00Z' });
    await record(user, { accountId: card.id, type: 'income', amount: '200.00', occurredAt: '2026-03-01T00:00:00Z' });
    await record(user, { accountId: euros.id, type: 'income', amount: '200.00', occurredAt: '2026-03-10T00:00:00Z' });
    await call(t, user, 'POST', '/api/accounts/transfers', {
      fromAccountId: main.id,
      toAccountId: card.id,
      amount: '55.10',
      occurredAt: '2026-03-05T01:00:00Z',
    });

    const first = await call(t, user, 'GET', '/api/transactions/transfer-candidates?limit=1');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().items).toEqual([
      expect.objectContaining({ expense: expect.objectContaining({ id: cardPay.id }), income: expect.objectContaining({ id: cardIn.id }), hoursApart: 2 }),
    ]);
    expect(first.json().nextCursor).toEqual(expect.any(String));
    const second = (await call(t, user, 'GET', `/api/transactions/transfer-candidates?limit=1&cursor=${first.json().nextCursor}`)).json();
    expect(second.items.map((c: { expense: { id: string }; income: { id: string }; hoursApart: number }) => [c.expense.id, c.income.id, c.hoursApart])).toEqual(
      [[sweep.id, sweepIn.id, 36]],
    );
    expect(second.nextCursor).toBeNull();
    const forSavings = (await call(t, user, 'GET', `/api/transactions/transfer-candidates?accountId=${savings.id}`)).json();
    expect(forSavings.items.map((c: { income: { id: string } }) => c.income.id)).toEqual([sweepIn.id]);

    await call(t, user, 'POST', `/api/transactions/${cardPay.id}/link-transfer`, { counterpartId: cardIn.id });
    expect((await call(t, user, 'GET', '/api/transactions/transfer-candidates')).json().items.map((c: { expense: { id: string } }) => c.expense.id)).toEqual([
      sweep.id,
    ]);
    expect((await call(t, user, 'GET', '/api/transactions/transfer-candidates?cursor=garbage')).statusCode).toBe(400);
  });
});

describe('editing a transfer leg', () => {
  it('date, description and amount change on both legs together; merchant and tags on the one leg', async () => {
    const user = await newUser(t);
    const [main, savings] = await accounts(user, { name: 'Savings' });
    const moved = (
      await call(t, user, 'POST', '/api/accounts/transfers', {
        fromAccountId: main.id,
        toAccountId: savings.id,
        amount: '50.00',
        occurredAt: '2026-03-01T00:00:00Z',
      })
    ).json();
    const patched = await call(t, user, 'PATCH', `/api/transactions/${moved.to.id}`, {
      amount: '60.00',
      occurredAt: '2026-03-02T10:00:00Z',
      description: 'Monthly saving',
      merchant: 'Bank',
      tags: ['auto'],
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      id: moved.to.id,
      amount: '60.00',
      occurredAt: '2026-03-02T10:00:00.000Z',
      description: 'Monthly saving',
      merchant: 'Bank',
      tags: ['auto'],
    });
    expect((await call(t, user, 'GET', `/api/transactions/${moved.from.id}`)).json()).toMatchObject({
      type: 'transfer_out',
      amount: '60.00',
      occurredAt: '2026-03-02T10:00:00.000Z',
      description: 'Monthly saving',
      merchant: null,
      tags: [],
    });
    expect(await balances(user)).toEqual({ 'Main account': '-60.00', Savings: '60.00' });
    expect((await published(user, 'transaction.updated')).map((p) => [p.transactionId, p.amount, p.changed])).toEqual([
      [moved.to.id, '60.00', ['occurredAt', 'description', 'amount', 'merchant', 'tags']],
      [moved.from.id, '60.00', ['occurredAt', 'description', 'amount']],
    ]);
    // The bulk edit too: a leg's description is the transfer's.
    const bulk = await call(t, user, 'PATCH', '/api/transactions', { ids: [moved.from.id], set: { description: 'Renamed' } });
    expect(bulk.statusCode, bulk.body).toBe(200);
    expect(bulk.json().items.map((i: { id: string }) => i.id)).toEqual([moved.from.id]);
    expect((await call(t, user, 'GET', `/api/transactions/${moved.to.id}`)).json()).toMatchObject({ description: 'Renamed', merchant: 'Bank' });
  });

  it('a category on a leg is a 400 naming the field; its account and type stay (409)', async () => {
    const user = await newUser(t);
    const [main, savings, other] = await accounts(user, { name: 'Savings' }, { name: 'Other' });
    const moved = (await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: main.id, toAccountId: savings.id, amount: '5.00' })).json();
    const categorised = await call(t, user, 'PATCH', `/api/transactions/${moved.from.id}`, { category: 'groceries' });
    expect(categorised.statusCode).toBe(400);
    expect(categorised.json().errors[0]).toMatchObject({ field: 'category' });
    const bulk = await call(t, user, 'PATCH', '/api/transactions', { ids: [moved.to.id], set: { category: 'salary' } });
    expect(bulk.statusCode).toBe(400);
    expect(bulk.json().errors[0]).toMatchObject({ field: 'set.category' });
    expect((await call(t, user, 'PATCH', `/api/transactions/${moved.from.id}`, { accountId: other.id })).statusCode).toBe(409);
    expect((await call(t, user, 'PATCH', `/api/transactions/${moved.from.id}`, { type: 'expense' })).statusCode).toBe(409);
    expect((await call(t, user, 'GET', `/api/transactions/${moved.from.id}`)).json()).toEqual(moved.from);
  });

  it('between currencies a leg’s amount changes alone, and the rate follows', async () => {
    const user = await newUser(t);
    const [main, euros] = await accounts(user, { name: 'Euros', currency: 'EUR' });
    const moved = (
      await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: main.id, toAccountId: euros.id, amount: '100.00', toAmount: '92.00' })
    ).json();
    await call(t, user, 'PATCH', `/api/transactions/${moved.to.id}`, { amount: '91.50', description: 'FX' });
    expect((await call(t, user, 'GET', `/api/transactions/${moved.from.id}`)).json()).toMatchObject({ amount: '100.00', currency: 'USD', description: 'FX' });
    expect((await call(t, user, 'GET', `/api/transactions/${moved.to.id}`)).json()).toMatchObject({ amount: '91.50', currency: 'EUR', description: 'FX' });
  });
});

describe('POST /api/accounts/transfers between currencies', () => {
  it('stores each leg in its own currency and answers the implied rate', async () => {
    const user = await newUser(t);
    const [main, euros, yen] = await accounts(user, { name: 'Euros', currency: 'EUR' }, { name: 'Yen', currency: 'JPY' });
    const moved = await call(t, user, 'POST', '/api/accounts/transfers', {
      fromAccountId: main.id,
      toAccountId: euros.id,
      amount: '100.00',
      toAmount: '92.35',
    });
    expect(moved.statusCode, moved.body).toBe(201);
    expect(moved.json()).toMatchObject({
      rate: '0.9235',
      from: { amount: '100.00', currency: 'USD', type: 'transfer_out' },
      to: { amount: '92.35', currency: 'EUR', type: 'transfer_in' },
    });
    const toYen = await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: euros.id, toAccountId: yen.id, amount: '50.00', toAmount: '8123' });
    expect(toYen.json()).toMatchObject({ rate: '162.46', to: { amount: '8123', currency: 'JPY' } });
    expect(await balances(user)).toEqual({ 'Main account': '-100.00', Euros: '42.35', Yen: '8123' });
    // Neither leg is spending or income, in either currency.
    expect((await call(t, user, 'GET', '/api/transactions/summary?currency=EUR')).json()).toMatchObject({ income: '0.00', expense: '0.00' });
  });

  it('toAmount is required between currencies (400), must equal amount in one currency, and must fit its currency', async () => {
    const user = await newUser(t);
    const [main, euros, savings, yen] = await accounts(user, { name: 'Euros', currency: 'EUR' }, { name: 'Savings' }, { name: 'Yen', currency: 'JPY' });
    const missing = await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: main.id, toAccountId: euros.id, amount: '10.00' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors[0]).toMatchObject({ field: 'toAmount' });
    const unequal = await call(t, user, 'POST', '/api/accounts/transfers', {
      fromAccountId: main.id,
      toAccountId: savings.id,
      amount: '10.00',
      toAmount: '9.00',
    });
    expect(unequal.statusCode).toBe(400);
    expect(unequal.json().errors[0]).toMatchObject({ field: 'toAmount' });
    const fractionalYen = await call(t, user, 'POST', '/api/accounts/transfers', {
      fromAccountId: main.id,
      toAccountId: yen.id,
      amount: '10.00',
      toAmount: '1500.5',
    });
    expect(fractionalYen.statusCode).toBe(400);
    expect(fractionalYen.json().errors[0]).toMatchObject({ field: 'toAmount' });
    const equal = await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: main.id, toAccountId: savings.id, amount: '10.00', toAmount: '10' });
    expect(equal.statusCode, equal.body).toBe(201);
    expect(equal.json().rate).toBe('1');
    expect((await call(t, user, 'GET', '/api/transactions')).json().items).toHaveLength(2);
  });
});

describe('rules: actions.transferToAccountId', () => {
  const sweepRule = (accountId: string) => ({
    name: 'Sweeps',
    conditions: [{ field: 'description', operator: 'contains', value: 'sweep' }],
    actions: { transferToAccountId: accountId, addTags: ['sweep'] },
  });

  it('a matching create becomes a transfer: the other leg recorded, or an existing one linked; a request category wins', async () => {
    const user = await newUser(t);
    const [main, savings] = await accounts(user, { name: 'Savings' });
    const rule = await call(t, user, 'POST', '/api/rules', sweepRule(savings.id));
    expect(rule.statusCode, rule.body).toBe(201);
    expect(rule.json().actions).toMatchObject({ transferToAccountId: savings.id, category: null });

    const swept = await record(user, { accountId: main.id, type: 'expense', amount: '300.00', description: 'AUTO SWEEP', occurredAt: '2026-03-05T00:00:00Z' });
    expect(swept).toMatchObject({ type: 'transfer_out', category: null, tags: ['sweep'], transferId: expect.any(String) });
    const legs = (await call(t, user, 'GET', `/api/transactions?accountId=${savings.id}`)).json().items;
    expect(legs).toEqual([
      expect.objectContaining({
        type: 'transfer_in',
        amount: '300.00',
        transferId: swept.transferId,
        description: 'AUTO SWEEP',
        occurredAt: '2026-03-05T00:00:00.000Z',
      }),
    ]);

    // The savings side was already recorded (from the other bank's file): linked, not doubled.
    const arrived = await record(user, {
      accountId: savings.id,
      type: 'income',
      amount: '80.00',
      description: 'from checking',
      occurredAt: '2026-03-09T00:00:00Z',
    });
    const second = await record(user, { accountId: main.id, type: 'expense', amount: '80.00', description: 'Sweep', occurredAt: '2026-03-08T00:00:00Z' });
    expect(second.type).toBe('transfer_out');
    expect((await call(t, user, 'GET', `/api/transactions/${arrived.id}`)).json()).toMatchObject({ type: 'transfer_in', transferId: second.transferId });
    expect((await call(t, user, 'GET', `/api/transactions?accountId=${savings.id}`)).json().items).toHaveLength(2);

    const categorised = await record(user, { accountId: main.id, type: 'expense', amount: '20.00', description: 'sweep fee', category: 'fees' });
    expect(categorised).toMatchObject({ type: 'expense', category: 'fees', transferId: null, tags: ['sweep'] });
    expect((await call(t, user, 'GET', '/api/transactions/summary')).json()).toMatchObject({ income: '0.00', expense: '20.00' });
    expect(await balances(user)).toEqual({ 'Main account': '-400.00', Savings: '380.00' });
  });

  it('POST /api/rules/:id/apply turns recorded matches into transfers (a dry run writes nothing)', async () => {
    const user = await newUser(t);
    const [main, savings] = await accounts(user, { name: 'Savings' });
    const old = await record(user, {
      accountId: main.id,
      type: 'expense',
      amount: '150.00',
      description: 'Savings sweep',
      category: 'savings',
      occurredAt: '2026-03-01T00:00:00Z',
    });
    await record(user, { accountId: main.id, type: 'expense', amount: '12.00', description: 'Lunch' });
    const rule = (await call(t, user, 'POST', '/api/rules', sweepRule(savings.id))).json();
    const dry = await call(t, user, 'POST', `/api/rules/${rule.id}/apply`, { dryRun: true });
    expect(dry.json()).toMatchObject({ matched: 1, changed: 1, dryRun: true });
    expect((await call(t, user, 'GET', `/api/transactions/${old.id}`)).json()).toMatchObject({ type: 'expense', category: 'savings' });
    const applied = await call(t, user, 'POST', `/api/rules/${rule.id}/apply`, {});
    expect(applied.json()).toMatchObject({ matched: 1, changed: 1, dryRun: false });
    expect((await call(t, user, 'GET', `/api/transactions/${old.id}`)).json()).toMatchObject({ type: 'transfer_out', category: null, tags: ['sweep'] });
    expect(await balances(user)).toEqual({ 'Main account': '-162.00', Savings: '150.00' });
  });

  it('an imported row that matches becomes a transfer', async () => {
    const user = await newUser(t);
    const [, savings] = await accounts(user, { name: 'Savings' });
    await call(t, user, 'POST', '/api/rules', sweepRule(savings.id));
    const csv = ['date,amount,description', '2026-03-02,-45.00,Groceries', '2026-03-03,-250.00,SWEEP TO SAVINGS'].join('\n');
    const imported = await t.app.inject({
      method: 'POST',
      url: '/api/transactions/import',
      headers: { ...user.headers, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toMatchObject({ created: 2 });
    expect((await call(t, user, 'GET', '/api/transactions/summary')).json()).toMatchObject({ expense: '45.00' });
    expect(await balances(user)).toEqual({ 'Main account': '-295.00', Savings: '250.00' });
  });
});

describe('DELETE /api/transactions/:id/link-transfer', () => {
  it('unlinks both legs: an expense and an income again, amounts kept, no category; both publish transaction.updated', async () => {
    const user = await newUser(t);
    const [main, savings] = await accounts(user, { name: 'Savings' });
    await call(t, user, 'POST', '/api/budgets', { name: 'Everything', amount: '100.00', period: 'monthly', startDate: '2026-03-01' });
    const sweep = await record(user, {
      accountId: main.id,
      type: 'expense',
      amount: '90.00',
      category: 'savings',
      merchant: 'Bank',
      occurredAt: '2026-03-10T09:00:00Z',
    });
    const arrived = await record(user, { accountId: savings.id, type: 'income', amount: '90.00', tags: ['sweep'], occurredAt: '2026-03-11T09:00:00Z' });
    const linked = (await call(t, user, 'POST', `/api/transactions/${sweep.id}/link-transfer`, { counterpartId: arrived.id })).json();

    // Either leg names the transfer.
    const unlinked = await call(t, user, 'DELETE', `/api/transactions/${arrived.id}/link-transfer`);
    expect(unlinked.statusCode, unlinked.body).toBe(200);
    expect(unlinked.json()).toMatchObject({
      expense: { id: sweep.id, type: 'expense', accountId: main.id, amount: '90.00', category: null, transferId: null, merchant: 'Bank' },
      income: { id: arrived.id, type: 'income', accountId: savings.id, amount: '90.00', category: null, transferId: null, tags: ['sweep'] },
    });
    expect((await call(t, user, 'GET', `/api/transactions/${sweep.id}`)).json()).toMatchObject({ type: 'expense', transferId: null, category: null });
    expect((await call(t, user, 'GET', `/api/transactions/${arrived.id}`)).json()).toMatchObject({ type: 'income', transferId: null });
    expect((await call(t, user, 'GET', '/api/transactions/summary')).json()).toMatchObject({ income: '90.00', expense: '90.00' });
    expect(await balances(user)).toEqual({ 'Main account': '-90.00', Savings: '90.00' });
    // Spending again: the budget's 80% threshold is crossed by the unlink.
    const budget = (await call(t, user, 'GET', '/api/budgets')).json().items[0];
    expect((await call(t, user, 'GET', `/api/budgets/${budget.id}/events`)).json().items).toMatchObject([{ threshold: 80 }]);

    const updated = (await published(user, 'transaction.updated')).slice(2);
    expect(updated).toEqual([
      expect.objectContaining({ transactionId: sweep.id, type: 'expense', transferId: null, categoryId: null, changed: ['type', 'transferId'] }),
      expect.objectContaining({ transactionId: arrived.id, type: 'income', transferId: null, categoryId: null, changed: ['type', 'transferId'] }),
    ]);
    expect(linked.transferId).toEqual(expect.any(String));

    // Not a transfer any more: 409; and the pair can be linked again.
    const again = await call(t, user, 'DELETE', `/api/transactions/${sweep.id}/link-transfer`);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('not_a_transfer');
    expect((await call(t, user, 'POST', `/api/transactions/${sweep.id}/link-transfer`, { counterpartId: arrived.id })).statusCode).toBe(200);
  });

  it('an ordinary transaction is 409 not_a_transfer; an unknown, malformed or another user’s id is 404/400, and theirs stays linked', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const [, aliceSavings] = await accounts(alice, { name: 'Savings' });
    const plain = await record(bob, { type: 'expense', amount: '5.00' });
    const notLinked = await call(t, bob, 'DELETE', `/api/transactions/${plain.id}/link-transfer`);
    expect(notLinked.statusCode).toBe(409);
    expect(notLinked.json().code).toBe('not_a_transfer');
    expect((await call(t, bob, 'GET', `/api/transactions/${plain.id}`)).json()).toMatchObject({ type: 'expense' });

    const hers = await record(alice, { type: 'expense', amount: '10.00' });
    expect((await call(t, alice, 'POST', `/api/transactions/${hers.id}/link-transfer`, { accountId: aliceSavings.id })).statusCode).toBe(201);
    const foreign = await call(t, bob, 'DELETE', `/api/transactions/${hers.id}/link-transfer`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('transaction_not_found');
    expect((await call(t, bob, 'DELETE', `/api/transactions/${OTHER_ID}/link-transfer`)).statusCode).toBe(404);
    const malformed = await call(t, bob, 'DELETE', '/api/transactions/nope/link-transfer');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors[0]).toMatchObject({ field: 'id' });
    expect((await call(t, alice, 'GET', `/api/transactions/${hers.id}`)).json()).toMatchObject({ type: 'transfer_out', transferId: expect.any(String) });
    expect(await published(bob, 'transaction.updated')).toEqual([]);
  });

  it('a recorded missing leg, a rule’s transfer and one made with POST /api/accounts/transfers unlink the same way', async () => {
    const user = await newUser(t);
    const [main, savings, euros] = await accounts(user, { name: 'Savings' }, { name: 'Euros', currency: 'EUR' });
    const wire = await record(user, { accountId: main.id, type: 'expense', amount: '110.00', occurredAt: '2026-03-04T08:00:00Z' });
    const made = (await call(t, user, 'POST', `/api/transactions/${wire.id}/link-transfer`, { accountId: euros.id, amount: '100.00' })).json();
    const first = await call(t, user, 'DELETE', `/api/transactions/${wire.id}/link-transfer`);
    expect(first.json()).toMatchObject({
      expense: { id: wire.id, amount: '110.00', currency: 'USD' },
      income: { id: made.to.id, type: 'income', amount: '100.00', currency: 'EUR', accountId: euros.id },
    });

    await call(t, user, 'POST', '/api/rules', {
      name: 'Sweeps',
      conditions: [{ field: 'description', operator: 'contains', value: 'sweep' }],
      actions: { transferToAccountId: savings.id },
    });
    const swept = await record(user, { accountId: main.id, type: 'expense', amount: '30.00', description: 'sweep' });
    expect(swept.type).toBe('transfer_out');
    expect((await call(t, user, 'DELETE', `/api/transactions/${swept.id}/link-transfer`)).json()).toMatchObject({
      expense: { id: swept.id, type: 'expense', description: 'sweep' },
      income: { type: 'income', accountId: savings.id, amount: '30.00' },
    });

    const moved = (await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: savings.id, toAccountId: main.id, amount: '7.00' })).json();
    expect((await call(t, user, 'DELETE', `/api/transactions/${moved.from.id}/link-transfer`)).json()).toMatchObject({
      expense: { id: moved.from.id, accountId: savings.id, amount: '7.00' },
      income: { id: moved.to.id, accountId: main.id, amount: '7.00' },
    });
    expect((await call(t, user, 'GET', '/api/transactions?type=transfer')).json().items).toEqual([]);
    expect(await balances(user)).toEqual({ 'Main account': '-133.00', Savings: '23.00', Euros: '100.00' });
  });

  it('two unlinks racing: one answers 200, the other 409', async () => {
    const user = await newUser(t);
    const [main, savings] = await accounts(user, { name: 'Savings' });
    const out = await record(user, { accountId: main.id, type: 'expense', amount: '8.00' });
    const made = (await call(t, user, 'POST', `/api/transactions/${out.id}/link-transfer`, { accountId: savings.id })).json();
    const responses = await Promise.all([
      call(t, user, 'DELETE', `/api/transactions/${out.id}/link-transfer`),
      call(t, user, 'DELETE', `/api/transactions/${made.to.id}/link-transfer`),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect((await published(user, 'transaction.updated')).filter((e) => e.transferId === null)).toHaveLength(2);
  });
});
