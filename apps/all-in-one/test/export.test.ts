import { unzipSync, strFromU8 } from 'fflate';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessTransport } from '@expensio/common';
import { call, createTestExpensio, register, type Member, type TestExpensio } from './helpers.js';

// Everything out and back in, through the all-in-one: GET /api/export composes every service's
// sections, POST /api/import/backup restores the ledger's into a user who has recorded nothing.

let t: TestExpensio;
beforeAll(async () => { t = await createTestExpensio(new InProcessTransport()); });
afterAll(async () => { await t.close(); });

async function post<T = Record<string, unknown>>(member: Member, url: string, body: unknown): Promise<T> {
  const response = await call(t, member, 'POST', url, body);
  if (response.statusCode !== 201) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  return response.json<T>();
}

async function get(member: Member, url: string): Promise<unknown> {
  const response = await call(t, member, 'GET', url);
  expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
  return response.json();
}

/** An answer with every id (and reference to one) taken out: what must be equal after a restore. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'id' && !key.endsWith('Id') && key !== 'nextCursor').map(([k, v]) => [k, withoutIds(v)]));
  }
  return value;
}

const byName = (a: unknown, b: unknown) => (a as { name: string }).name.localeCompare((b as { name: string }).name);

/** What a person sees of their money: balances, budgets, goals, debts, rules, categories, moods. */
async function picture(member: Member) {
  const items = (url: string) => get(member, url).then((body) => ((body as { items: unknown[] }).items).sort(byName));
  return withoutIds({
    accounts: ((await get(member, '/api/accounts?includeArchived=true')) as { items: unknown[] }).items.sort(byName),
    budgets: ((await get(member, '/api/budgets/overview')) as { items: unknown[] }).items.sort(byName),
    goals: await items('/api/goals'),
    debts: await items('/api/debts'),
    recurring: await items('/api/recurring-transactions'),
    categories: ((await get(member, '/api/categories')) as { items: { name: string }[] }).items.sort(byName),
    transactions: (((await get(member, '/api/transactions?limit=200')) as { items: unknown[] }).items),
    moods: (((await get(member, '/api/transaction-moods')) as { items: unknown[] }).items),
  });
}

async function fillLedger(member: Member) {
  const accounts = (await get(member, '/api/accounts')) as { items: { id: string }[] };
  const main = accounts.items[0]?.id ?? '';
  const savings = await post<{ id: string }>(member, '/api/accounts', { name: 'Savings', type: 'savings', currency: 'USD', openingBalance: '1000.00' });
  const euro = await post<{ id: string }>(member, '/api/accounts', { name: 'Euro wallet', type: 'cash', currency: 'EUR', openingBalance: '55.55' });
  const hobbies = await post<{ slug: string }>(member, '/api/categories', { name: 'Hobbies', kind: 'expense' });
  const past = new Date(Date.now() - 40 * 86_400_000).toISOString();
  await post(member, '/api/transactions', { type: 'income', amount: '2500.00', category: 'salary', occurredAt: past });
  await post(member, '/api/transactions', { type: 'expense', amount: '82.40', category: 'groceries', merchant: 'Market', tags: ['food', 'weekly'], mood: { mood: 'stressed', intensity: 4, triggers: ['habit'] } });
  await post(member, '/api/transactions', { type: 'expense', amount: '19.99', category: hobbies.slug, occurredAt: past });
  await post(member, '/api/transactions', { type: 'expense', amount: '12.30', currency: 'EUR', accountId: euro.id, category: 'dining' });
  await post(member, '/api/accounts/transfers', { fromAccountId: main, toAccountId: savings.id, amount: '300.00', description: 'Monthly sweep' });
  await post(member, '/api/budgets', { name: 'Food', amount: '400.00', period: 'monthly', category: 'groceries', startDate: past.slice(0, 10), rollover: 'surplus' });
  await post(member, '/api/budgets', { name: 'Eating out in EUR', amount: '50.00', currency: 'EUR', period: 'weekly', category: 'dining' });
  const goal = await post<{ id: string }>(member, '/api/goals', { name: 'Bike', targetAmount: '800.00', deadline: '2030-06-01' });
  await post(member, `/api/goals/${goal.id}/contributions`, { amount: '250.00', note: 'start' });
  await post(member, `/api/goals/${goal.id}/contributions`, { amount: '-40.00' });
  const debt = await post<{ id: string }>(member, '/api/debts', { name: 'Card', kind: 'credit_card', balance: '900.00', annualRate: '19.9', minimumPayment: '30.00', dueDay: 5, startDate: past.slice(0, 10) });
  await post(member, `/api/debts/${debt.id}/payments`, { amount: '120.00' });
  await post(member, '/api/recurring-transactions', { type: 'expense', amount: '9.99', frequency: 'monthly', startDate: '2031-01-01', merchant: 'Streaming', category: 'subscriptions' });
  await post(member, '/api/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['transaction.created'] });
}

describe('GET /api/export and POST /api/import/backup', () => {
  let alice: Member;
  let bob: Member;
  let document: Record<string, unknown>;

  beforeAll(async () => {
    alice = await register(t);
    bob = await register(t);
    await fillLedger(alice);
    await post(bob, '/api/transactions', { type: 'expense', amount: '7.77', description: 'bob only' });
    const response = await call(t, alice, 'GET', '/api/export');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    document = response.json();
  }, 120_000);

  it('writes every section of the caller, with a format version, and no secret', () => {
    expect(document).toMatchObject({ format: 'expensio-export', version: 1 });
    expect(document.sections).toEqual([
      'profile', 'accounts', 'categories', 'transactions', 'budgets', 'goals', 'goalContributions', 'debts', 'debtPayments', 'recurringRules', 'recurringPauses', 'webhooks',
    ]);
    expect(document.profile).toEqual([expect.objectContaining({ id: alice.id, role: 'user' })]);
    expect(document.accounts).toHaveLength(3);
    expect(document.transactions).toHaveLength(6);
    expect(document.transactions).toContainEqual(expect.objectContaining({ amount: '82.40', mood: expect.objectContaining({ mood: 'stressed', intensity: 4, triggers: ['habit'] }) }));
    expect(document.goalContributions).toHaveLength(2);
    expect(document.debtPayments).toHaveLength(1);
    expect(document.webhooks).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:9/hooks' })]);
    const text = JSON.stringify(document);
    expect(text).not.toMatch(/password|hash|secret/i);
    // Another user's data never appears.
    expect(text).not.toContain(bob.id);
    expect(text).not.toContain('bob only');
  });

  it('answers ?format=csv with a zip of one CSV per section', async () => {
    const response = await call(t, alice, 'GET', '/api/export?format=csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/zip');
    const files = unzipSync(new Uint8Array(response.rawPayload));
    expect(Object.keys(files)).toEqual((document.sections as string[]).map((s) => `${s}.csv`));
    const transactions = strFromU8(files['transactions.csv'] ?? new Uint8Array()).trim().split('\n');
    expect(transactions[0]).toMatch(/^id,accountId,type,amount,currency,.*mood\.mood,mood\.intensity/);
    expect(transactions).toHaveLength(7);
    expect(transactions.find((line) => line.includes('82.40'))).toMatch(/food;weekly.*stressed,4,habit/);
    expect(strFromU8(files['profile.csv'] ?? new Uint8Array())).not.toMatch(/password|hash/i);
  });

  it('restores into a fresh user with every balance, budget, goal and debt identical', async () => {
    const carol = await register(t);
    // Carol's automatic default account exists and gives way to the restored ones.
    expect(((await get(carol, '/api/accounts')) as { items: unknown[] }).items).toHaveLength(1);
    const restored = await call(t, carol, 'POST', '/api/import/backup', document);
    expect(restored.statusCode, restored.body).toBe(201);
    expect(restored.json()).toMatchObject({ accounts: 3, categories: 1, transactions: 6, moods: 1, budgets: 2, goals: 1, goalContributions: 2, debts: 1, debtPayments: 1, recurringRules: 1 });

    const before = await picture(alice);
    const after = await picture(carol);
    expect(after).toEqual(before);
    expect((after as { accounts: unknown[] }).accounts).toHaveLength(3);
    // New ids: nothing of Alice's ids is Carol's.
    const carolAccounts = ((await get(carol, '/api/accounts')) as { items: { id: string }[] }).items.map((a) => a.id);
    for (const account of document.accounts as { id: string }[]) expect(carolAccounts).not.toContain(account.id);
    // The restored spending is the fraud score's baseline for Carol.
    const expenses = (document.transactions as { type: string }[]).filter((tx) => tx.type === 'expense').length;
    const profile = await sql<{ expenses: number }>`select expenses from finance.risk_profiles where user_id = ${carol.id}::uuid`.execute(t.database.kysely);
    expect(expenses).toBeGreaterThan(0);
    expect(profile.rows[0]?.expenses).toBe(expenses);

    // A second restore, or one into a user who has data, is refused.
    const again = await call(t, carol, 'POST', '/api/import/backup', document);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'account_not_empty' });
    expect((await call(t, bob, 'POST', '/api/import/backup', document)).statusCode).toBe(409);
  }, 60_000);

  it('refuses a bad document with 400 naming the path, and writes nothing', async () => {
    const dave = await register(t);
    const transactions = document.transactions as Record<string, unknown>[];
    const unknownAccount = { ...document, transactions: [...transactions.slice(0, 2), { ...transactions[2], accountId: '00000000-0000-4000-8000-000000000000' }] };
    const bad = await call(t, dave, 'POST', '/api/import/backup', unknownAccount);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'transactions.2.accountId' });

    const badAmount = { ...document, goalContributions: [{ ...(document.goalContributions as object[])[0], amount: '1.234' }] };
    expect((await call(t, dave, 'POST', '/api/import/backup', badAmount)).json().errors[0]).toMatchObject({ field: 'goalContributions.0.amount' });

    const badShape = await call(t, dave, 'POST', '/api/import/backup', { ...document, version: 2, budgets: [{ name: 'x' }] });
    expect(badShape.statusCode).toBe(400);
    expect(badShape.json().errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['version', 'budgets.0.amount']));

    expect(((await get(dave, '/api/transactions')) as { items: unknown[] }).items).toHaveLength(0);
    expect(((await get(dave, '/api/accounts')) as { items: unknown[] }).items).toHaveLength(1);
  });

  it('needs a signed-in user', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/export' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/import/backup', payload: document })).statusCode).toBe(401);
  });
});
