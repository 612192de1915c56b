import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

const OTHER_ID = '0190a000-0000-7000-8000-000000000000';

describe('/api/accounts', () => {
  it('every user starts with one default account, even when the first requests race', async () => {
    const user = await newUser(t);
    const responses = await Promise.all([call(t, user, 'GET', '/api/accounts'), call(t, user, 'GET', '/api/accounts')]);
    for (const response of responses) expect(response.statusCode).toBe(200);
    const [first] = responses;
    const { items } = first.json();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      name: 'Main account',
      type: 'checking',
      currency: 'USD',
      openingBalance: '0.00',
      balance: '0.00',
      isDefault: true,
      archived: false,
    });
  });

  it('creates accounts with a currency and an opening balance, exactly', async () => {
    const user = await newUser(t);
    const created = await call(t, user, 'POST', '/api/accounts', { name: 'Card', type: 'credit_card', currency: 'EUR', openingBalance: '-120.50' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'Card',
      type: 'credit_card',
      currency: 'EUR',
      openingBalance: '-120.50',
      balance: '-120.50',
      isDefault: false,
    });
    const yen = await call(t, user, 'POST', '/api/accounts', { name: 'Wallet', type: 'cash', currency: 'JPY', openingBalance: 5000 });
    expect(yen.json()).toMatchObject({ openingBalance: '5000', balance: '5000' });
    const list = (await call(t, user, 'GET', '/api/accounts')).json();
    expect(list.items.map((a: { name: string }) => a.name)).toEqual(['Main account', 'Card', 'Wallet']);
  });

  it('refuses bad input with 400 naming the fields, and writes nothing', async () => {
    const user = await newUser(t);
    const response = await call(t, user, 'POST', '/api/accounts', { name: '', type: 'piggy', currency: 'usd', balance: '5' });
    expect(response.statusCode).toBe(400);
    const fields = response.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'type', 'currency']));
    expect(JSON.stringify(response.json().errors)).toContain('balance');
    const tooPrecise = await call(t, user, 'POST', '/api/accounts', { name: 'x', type: 'cash', currency: 'JPY', openingBalance: '1.5' });
    expect(tooPrecise.statusCode).toBe(400);
    expect(tooPrecise.json().errors[0]).toMatchObject({ field: 'openingBalance' });
    expect((await call(t, user, 'GET', '/api/accounts')).json().items).toHaveLength(1);
  });

  it('another user’s account is 404 on every route', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const account = (await call(t, alice, 'POST', '/api/accounts', { name: 'Private', type: 'savings' })).json();
    expect((await call(t, bob, 'GET', `/api/accounts/${account.id}`)).statusCode).toBe(404);
    expect((await call(t, bob, 'PATCH', `/api/accounts/${account.id}`, { name: 'Mine now' })).statusCode).toBe(404);
    expect((await call(t, bob, 'DELETE', `/api/accounts/${account.id}`)).statusCode).toBe(404);
    expect((await call(t, bob, 'POST', '/api/transactions', { accountId: account.id, type: 'expense', amount: '1.00' })).statusCode).toBe(404);
    const bobs = (await call(t, bob, 'GET', '/api/accounts')).json().items[0];
    expect((await call(t, bob, 'POST', '/api/accounts/transfers', { fromAccountId: bobs.id, toAccountId: account.id, amount: '1.00' })).statusCode).toBe(404);
    expect((await call(t, alice, 'GET', `/api/accounts/${account.id}`)).json().name).toBe('Private');
    expect((await call(t, bob, 'GET', `/api/accounts/${OTHER_ID}`)).statusCode).toBe(404);
  });

  it('the balance is always the opening balance plus the account’s transactions, through transfers and deletes', async () => {
    const user = await newUser(t);
    const checking = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
    const savings = (await call(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings', openingBalance: '100.00' })).json();
    await call(t, user, 'POST', '/api/transactions', { type: 'income', amount: '1000.10', category: 'salary' });
    const coffee = (await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '0.10' })).json();
    await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: 0.2 });
    const moved = await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: checking.id, toAccountId: savings.id, amount: '250.25' });
    expect(moved.statusCode).toBe(201);
    expect(moved.json()).toMatchObject({
      from: { type: 'transfer_out', amount: '250.25', accountId: checking.id },
      to: { type: 'transfer_in', amount: '250.25', accountId: savings.id },
    });

    const balances = async () =>
      Object.fromEntries((await call(t, user, 'GET', '/api/accounts')).json().items.map((a: { name: string; balance: string }) => [a.name, a.balance]));
    expect(await balances()).toEqual({ 'Main account': '749.55', Savings: '350.25' });

    await call(t, user, 'DELETE', `/api/transactions/${coffee.id}`);
    expect(await balances()).toEqual({ 'Main account': '749.65', Savings: '350.25' });
    // Deleting one leg removes the whole transfer.
    await call(t, user, 'DELETE', `/api/transactions/${moved.json().to.id}`);
    expect(await balances()).toEqual({ 'Main account': '999.90', Savings: '100.00' });
  });

  it('a transfer is atomic: a bad leg writes neither', async () => {
    const user = await newUser(t);
    const checking = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
    const euro = (await call(t, user, 'POST', '/api/accounts', { name: 'Euro', type: 'savings', currency: 'EUR' })).json();
    const mismatch = await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: checking.id, toAccountId: euro.id, amount: '5.00' });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().errors[0]).toMatchObject({ field: 'toAmount' });
    expect((await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: checking.id, toAccountId: checking.id, amount: '5.00' })).statusCode).toBe(
      400,
    );
    const dollars = (await call(t, user, 'POST', '/api/accounts', { name: 'Dollars', type: 'savings' })).json();
    expect((await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: checking.id, toAccountId: dollars.id, amount: '-5' })).statusCode).toBe(
      400,
    );
    expect((await call(t, user, 'GET', '/api/transactions')).json().items).toHaveLength(0);
  });

  it('an account with transactions can be archived, not deleted; an empty one can be deleted', async () => {
    const user = await newUser(t);
    const used = (await call(t, user, 'POST', '/api/accounts', { name: 'Used', type: 'cash' })).json();
    await call(t, user, 'POST', '/api/transactions', { accountId: used.id, type: 'expense', amount: '3.00' });
    const refused = await call(t, user, 'DELETE', `/api/accounts/${used.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'account_has_transactions' });
    const archived = await call(t, user, 'PATCH', `/api/accounts/${used.id}`, { archived: true });
    expect(archived.json()).toMatchObject({ archived: true, balance: '-3.00' });
    expect((await call(t, user, 'GET', '/api/accounts')).json().items.map((a: { name: string }) => a.name)).toEqual(['Main account']);
    expect((await call(t, user, 'GET', '/api/accounts?includeArchived=true')).json().items).toHaveLength(2);
    expect((await call(t, user, 'POST', '/api/transactions', { accountId: used.id, type: 'expense', amount: '1.00' })).statusCode).toBe(422);

    const empty = (await call(t, user, 'POST', '/api/accounts', { name: 'Empty', type: 'cash' })).json();
    expect((await call(t, user, 'DELETE', `/api/accounts/${empty.id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'GET', `/api/accounts/${empty.id}`)).statusCode).toBe(404);
  });

  it('the default account can move but never be archived, deleted or left unset', async () => {
    const user = await newUser(t);
    const main = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
    expect((await call(t, user, 'DELETE', `/api/accounts/${main.id}`)).statusCode).toBe(409);
    expect((await call(t, user, 'PATCH', `/api/accounts/${main.id}`, { archived: true })).statusCode).toBe(409);
    const other = (await call(t, user, 'POST', '/api/accounts', { name: 'New main', type: 'checking', isDefault: true })).json();
    expect(other.isDefault).toBe(true);
    const items = (await call(t, user, 'GET', '/api/accounts')).json().items;
    expect(items.filter((a: { isDefault: boolean }) => a.isDefault).map((a: { id: string }) => a.id)).toEqual([other.id]);
    const tx = (await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '1.00' })).json();
    expect(tx.accountId).toBe(other.id);
  });

  it('PATCH refuses a currency change and unknown fields', async () => {
    const user = await newUser(t);
    const main = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
    const response = await call(t, user, 'PATCH', `/api/accounts/${main.id}`, { currency: 'EUR' });
    expect(response.statusCode).toBe(400);
    expect((await call(t, user, 'PATCH', `/api/accounts/${main.id}`, {})).statusCode).toBe(400);
    expect((await call(t, user, 'PATCH', '/api/accounts/not-a-uuid', { name: 'x' })).statusCode).toBe(400);
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/accounts' })).statusCode).toBe(401);
  });
});
