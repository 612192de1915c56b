import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduler } from '../src/index.js';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

const RULES = '/api/rules';
const OTHER_ID = '0190a000-0000-7000-8000-000000000000';

type Condition = { field: string; operator: string; value: string | [string, string] };

async function newRule(user: TestUser, conditions: Condition[], actions: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const response = await call(t, user, 'POST', RULES, { name: 'rule', conditions, actions, ...extra });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function spend(user: TestUser, body: Record<string, unknown>) {
  const response = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '10.00', ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function stored(user: TestUser, id: string) {
  return (await call(t, user, 'GET', `/api/transactions/${id}`)).json();
}

describe('rules applied on create', () => {
  it('each operator: contains, equals and starts_with without case, matches (RE2), between and equals on amounts, accountId, type', async () => {
    const user = await newUser(t);
    const account = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
    await newRule(user, [{ field: 'description', operator: 'contains', value: 'COFFEE' }], { addTags: ['contains'] });
    await newRule(user, [{ field: 'merchant', operator: 'equals', value: 'corner shop' }], { addTags: ['equals'] });
    await newRule(user, [{ field: 'description', operator: 'starts_with', value: 'uber' }], { addTags: ['starts'] });
    await newRule(user, [{ field: 'merchant', operator: 'matches', value: '^amzn\\s+mktp\\b' }], { addTags: ['matches'] });
    await newRule(user, [{ field: 'amount', operator: 'between', value: ['100', '200.50'] }], { addTags: ['between'] });
    await newRule(user, [{ field: 'amount', operator: 'equals', value: '9.9' }], { addTags: ['amount'] });
    await newRule(
      user,
      [
        { field: 'accountId', operator: 'equals', value: account.id },
        { field: 'type', operator: 'equals', value: 'income' },
      ],
      { addTags: ['income-here'] },
    );

    const tagsOf = async (body: Record<string, unknown>) => (await spend(user, body)).tags as string[];
    expect(await tagsOf({ description: 'Morning coffee' })).toEqual(['contains']);
    expect(await tagsOf({ description: 'cofee' })).toEqual([]);
    expect(await tagsOf({ merchant: 'Corner Shop' })).toEqual(['equals']);
    expect(await tagsOf({ merchant: 'Corner Shop Ltd' })).toEqual([]);
    expect(await tagsOf({ description: 'UBER *TRIP' })).toEqual(['starts']);
    expect(await tagsOf({ description: 'An Uber' })).toEqual([]);
    expect(await tagsOf({ merchant: 'AMZN Mktp US*2K4' })).toEqual(['matches']);
    expect(await tagsOf({ merchant: 'AMZNMktp' })).toEqual([]);
    expect(await tagsOf({ amount: '100.00' })).toEqual(['between']);
    expect(await tagsOf({ amount: '200.50' })).toEqual(['between']);
    expect(await tagsOf({ amount: '200.51' })).toEqual([]);
    expect(await tagsOf({ amount: '99.99' })).toEqual([]);
    expect(await tagsOf({ amount: '9.90' })).toEqual(['amount']);
    expect(await tagsOf({ type: 'income', amount: '1.00' })).toEqual(['income-here']);
    // A condition on a field the transaction does not have never holds.
    expect(await tagsOf({ amount: '1.00' })).toEqual([]);
  });

  it('applies every matching rule in position order: the first to set a field wins it, tags add up; conditions all hold', async () => {
    const user = await newUser(t);
    const cafe = { field: 'description', operator: 'contains', value: 'cafe' };
    await newRule(user, [cafe], { category: 'dining', addTags: ['b'] });
    // Placed first, so its category beats the rule above.
    await newRule(
      user,
      [cafe, { field: 'amount', operator: 'between', value: ['50', '1000'] }],
      { category: 'entertainment', merchant: 'Big Cafe', addTags: ['a'] },
      { position: 1 },
    );
    const small = await spend(user, { description: 'Corner Cafe', amount: '4.00' });
    expect(small).toMatchObject({ category: 'dining', merchant: null, tags: ['b'] });
    const big = await spend(user, { description: 'Corner Cafe', amount: '80.00', tags: ['mine'] });
    expect(big).toMatchObject({ category: 'entertainment', merchant: 'Big Cafe', tags: ['mine', 'a', 'b'] });
    expect(await stored(user, big.id)).toMatchObject({ category: 'entertainment', merchant: 'Big Cafe', tags: ['mine', 'a', 'b'] });
  });

  it('leaves alone what the request set itself, also an explicit null category', async () => {
    const user = await newUser(t);
    await newRule(user, [{ field: 'description', operator: 'contains', value: 'rent' }], { category: 'rent', merchant: 'Landlord' });
    expect(await spend(user, { description: 'Rent March', category: 'groceries', merchant: 'Me' })).toMatchObject({ category: 'groceries', merchant: 'Me' });
    expect(await spend(user, { description: 'Rent April', category: null })).toMatchObject({ category: null, merchant: 'Landlord' });
    expect(await spend(user, { description: 'Rent May' })).toMatchObject({ category: 'rent', merchant: 'Landlord' });
  });

  it('never puts an expense in an income category (nor income in an expense one): the next rule, or none, categorises it', async () => {
    const user = await newUser(t);
    const boss = { field: 'merchant', operator: 'equals', value: 'Boss' };
    const salary = await newRule(user, [boss], { category: 'salary', addTags: ['work'] });
    // An expense the first rule matches: it keeps its tags, the category comes from the next rule that fits.
    expect(await spend(user, { merchant: 'Boss' })).toMatchObject({ category: null, tags: ['work'] });
    await newRule(user, [boss], { category: 'groceries' });
    expect(await spend(user, { merchant: 'Boss' })).toMatchObject({ category: 'groceries', tags: ['work'] });
    const pay = await call(t, user, 'POST', '/api/transactions', { type: 'income', amount: '900.00', merchant: 'Boss' });
    expect(pay.json()).toMatchObject({ category: 'salary', tags: ['work'] });
    // Applied to what is recorded: the income fits, the expenses keep their own.
    const applied = await call(t, user, 'POST', `${RULES}/${salary.id}/apply`);
    expect(applied.json()).toMatchObject({ matched: 3, changed: 0 });
    const kinds = (await call(t, user, 'GET', '/api/transactions?merchant=Boss'))
      .json()
      .items.map((i: { type: string; category: string | null }) => [i.type, i.category]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['income', 'salary'],
        ['expense', 'groceries'],
        ['expense', null],
      ]),
    );
  });

  it('a catastrophic pattern such as (a+)+$ on a long text still answers (RE2 is linear)', async () => {
    const user = await newUser(t);
    await newRule(user, [{ field: 'description', operator: 'matches', value: '(a+)+$' }], { addTags: ['aaa'] });
    const tx = await spend(user, { description: `${'a'.repeat(480)}!` });
    expect(tx.tags).toEqual([]);
    expect((await spend(user, { description: 'a'.repeat(500) })).tags).toEqual(['aaa']);
  });
});

describe('rules applied on import and on recurring postings', () => {
  it('categorises imported rows (empty category or merchant cells are left to the rules)', async () => {
    const user = await newUser(t);
    await newRule(user, [{ field: 'description', operator: 'matches', value: 'tesco|aldi' }], {
      category: 'groceries',
      merchant: 'Supermarket',
      addTags: ['food'],
    });
    const csv = [
      'date,amount,description,category,merchant',
      '2026-03-01,-12.00,TESCO STORES 123,,',
      '2026-03-02,-5.00,Aldi Sud,dining,Aldi',
      '2026-03-03,-7.00,Cinema,,',
    ].join('\n');
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/transactions/import',
      headers: { ...user.headers, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(response.json()).toMatchObject({ created: 3, rejected: 0 });
    const items = (await call(t, user, 'GET', '/api/transactions')).json().items as Record<string, unknown>[];
    expect(items.map((i) => [i.description, i.category, i.merchant, i.tags])).toEqual([
      ['Cinema', null, null, []],
      ['Aldi Sud', 'dining', 'Aldi', ['food']],
      ['TESCO STORES 123', 'groceries', 'Supermarket', ['food']],
    ]);
  });

  it('categorises a recurring posting whose template leaves the category empty', async () => {
    const user = await newUser(t);
    await newRule(user, [{ field: 'merchant', operator: 'equals', value: 'netflix' }], { category: 'entertainment' });
    const recurring = await call(t, user, 'POST', '/api/recurring-transactions', {
      type: 'expense',
      amount: '15.99',
      merchant: 'Netflix',
      frequency: 'monthly',
      startDate: '2026-03-01',
    });
    expect(recurring.statusCode, recurring.body).toBe(201);
    await runScheduler(t.ctx);
    const items = (await call(t, user, 'GET', '/api/transactions')).json().items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ category: 'entertainment', recurringRuleId: recurring.json().id });
  });
});

describe('/api/rules', () => {
  it('creates, reads, lists by position, changes, moves, replaces and deletes rules', async () => {
    const user = await newUser(t);
    const a = await newRule(user, [{ field: 'merchant', operator: 'equals', value: 'A' }], { category: 'groceries' });
    const b = await newRule(user, [{ field: 'merchant', operator: 'equals', value: 'B' }], { merchant: 'Bee' });
    const c = await newRule(user, [{ field: 'merchant', operator: 'equals', value: 'C' }], { addTags: ['c', 'c'] }, { position: 1 });
    expect(a).toMatchObject({ position: 1, actions: { category: 'groceries', categoryId: expect.any(String), merchant: null, addTags: [] } });
    const order = async () => (await call(t, user, 'GET', RULES)).json().items.map((r: { id: string; position: number }) => [r.id, r.position]);
    expect(await order()).toEqual([
      [c.id, 1],
      [a.id, 2],
      [b.id, 3],
    ]);
    expect((await call(t, user, 'GET', `${RULES}/${c.id}`)).json()).toMatchObject({
      name: 'rule',
      actions: { addTags: ['c'] },
      conditions: [{ field: 'merchant', operator: 'equals', value: 'C' }],
    });

    const moved = await call(t, user, 'PATCH', `${RULES}/${c.id}`, { position: 3, name: 'Cee' });
    expect(moved.json()).toMatchObject({ name: 'Cee', position: 3 });
    expect(await order()).toEqual([
      [a.id, 1],
      [b.id, 2],
      [c.id, 3],
    ]);
    await call(t, user, 'PATCH', `${RULES}/${b.id}`, { position: 1 });
    expect(await order()).toEqual([
      [b.id, 1],
      [a.id, 2],
      [c.id, 3],
    ]);

    const replaced = await call(t, user, 'PUT', `${RULES}/${a.id}`, {
      name: 'new',
      conditions: [{ field: 'type', operator: 'equals', value: 'income' }],
      actions: { category: 'salary' },
    });
    expect(replaced.json()).toMatchObject({
      name: 'new',
      position: 2,
      conditions: [{ field: 'type', value: 'income' }],
      actions: { category: 'salary', merchant: null },
    });

    expect((await call(t, user, 'DELETE', `${RULES}/${b.id}`)).statusCode).toBe(204);
    expect(await order()).toEqual([
      [a.id, 1],
      [c.id, 2],
    ]);
    expect((await call(t, user, 'GET', `${RULES}/${b.id}`)).statusCode).toBe(404);
  });

  it("another user's rule is 404 to read, change, apply or delete, and it stays as it was", async () => {
    const owner = await newUser(t);
    const other = await newUser(t);
    const rule = await newRule(owner, [{ field: 'merchant', operator: 'equals', value: 'A' }], { category: 'groceries' });
    for (const [method, url, body] of [
      ['GET', `${RULES}/${rule.id}`],
      ['PATCH', `${RULES}/${rule.id}`, { name: 'mine' }],
      ['PUT', `${RULES}/${rule.id}`, { name: 'mine', conditions: rule.conditions, actions: { merchant: 'x' } }],
      ['POST', `${RULES}/${rule.id}/apply`, { dryRun: false }],
      ['DELETE', `${RULES}/${rule.id}`],
    ] as const) {
      const response = await call(t, other, method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().code).toBe('rule_not_found');
    }
    expect((await call(t, other, 'GET', RULES)).json().items).toEqual([]);
    expect((await call(t, owner, 'GET', `${RULES}/${rule.id}`)).json()).toMatchObject({ name: 'rule', actions: { category: 'groceries' } });
  });

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const user = await newUser(t);
    const other = await newUser(t);
    const otherAccount = (await call(t, other, 'GET', '/api/accounts')).json().items[0];
    const ok = { field: 'merchant', operator: 'equals', value: 'x' };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ conditions: [{ field: 'amount', operator: 'contains', value: '1' }] }, 400, 'conditions.0.operator'],
      [{ conditions: [ok, { field: 'merchant', operator: 'like', value: 'x' }] }, 400, 'conditions.1.operator'],
      [{ conditions: [{ field: 'payee', operator: 'equals', value: 'x' }] }, 400, 'conditions.0.field'],
      [{ conditions: [{ field: 'merchant', operator: 'matches', value: '(a)\\1' }] }, 400, 'conditions.0.value'],
      [{ conditions: [{ field: 'merchant', operator: 'matches', value: 'a'.repeat(501) }] }, 400, 'conditions.0.value'],
      [{ conditions: [{ field: 'amount', operator: 'between', value: ['5', '1'] }] }, 400, 'conditions.0.value'],
      [{ conditions: [{ field: 'amount', operator: 'between', value: '5' }] }, 400, 'conditions.0.value'],
      [{ conditions: [{ field: 'amount', operator: 'equals', value: '-5' }] }, 400, 'conditions.0.value'],
      [{ conditions: [{ field: 'type', operator: 'equals', value: 'transfer_in' }] }, 400, 'conditions.0.value'],
      [{ conditions: [] }, 400, 'conditions'],
      [{ conditions: Array.from({ length: 21 }, () => ok) }, 400, 'conditions'],
      [{ actions: {} }, 400, 'actions'],
      [{ actions: { category: 'no-such-category' } }, 404, 'category_not_found'],
      [{ conditions: [{ field: 'accountId', operator: 'equals', value: otherAccount.id }] }, 404, 'account_not_found'],
      [{ name: 'x\u0000y' }, 400, 'name'],
      [{ actions: { transferToAccountId: otherAccount.id } }, 404, 'account_not_found'],
      [{ actions: { category: 'groceries', transferToAccountId: OTHER_ID } }, 404, 'account_not_found'],
    ];
    for (const [change, status, named] of cases) {
      const response = await call(t, user, 'POST', RULES, { name: 'r', conditions: [ok], actions: { category: 'groceries' }, ...change });
      expect(response.statusCode, JSON.stringify(change)).toBe(status);
      const body = response.json();
      if (status === 400)
        expect(
          body.errors.map((e: { field: string }) => e.field),
          JSON.stringify(body),
        ).toContain(named);
      else expect(body.code).toBe(named);
    }
    expect((await call(t, user, 'GET', RULES)).json().items).toEqual([]);
  });

  it('holds at most 200 rules per user', async () => {
    const user = await newUser(t);
    const now = new Date();
    await t.ctx.db
      .insertInto('rules')
      .values(
        Array.from({ length: 200 }, (_, i) => ({
          id: crypto.randomUUID(),
          user_id: user.id,
          name: `r${i}`,
          position: i + 1,
          conditions: JSON.stringify([{ field: 'merchant', operator: 'equals', value: 'x' }]),
          category_id: null,
          merchant: 'm',
          add_tags: [],
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
    const response = await call(t, user, 'POST', RULES, {
      name: 'one more',
      conditions: [{ field: 'merchant', operator: 'equals', value: 'x' }],
      actions: { merchant: 'y' },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('rule_limit_reached');
  });
});

describe('POST /api/rules/:id/apply', () => {
  it('with dryRun counts and writes nothing; then applies and answers how many changed', async () => {
    const user = await newUser(t);
    const rule = await newRule(user, [{ field: 'description', operator: 'contains', value: 'spotify' }], { category: 'entertainment', addTags: ['music'] });
    const first = await spend(user, { description: 'SPOTIFY P0123' });
    await call(t, user, 'PATCH', `${RULES}/${rule.id}`, { actions: { category: 'entertainment', addTags: ['music', 'sub'] } });
    // Recorded before the rule existed (or set by hand): the rules left these alone.
    const second = await spend(user, { description: 'Spotify family', category: 'groceries' });
    await spend(user, { description: 'Other' });
    const before = (await call(t, user, 'GET', '/api/transactions')).json().items;

    const dry = await call(t, user, 'POST', `${RULES}/${rule.id}/apply?dryRun=true`);
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toEqual({ ruleId: rule.id, dryRun: true, matched: 2, changed: 2 });
    expect((await call(t, user, 'GET', '/api/transactions')).json().items).toEqual(before);

    const applied = await call(t, user, 'POST', `${RULES}/${rule.id}/apply`, { dryRun: false });
    expect(applied.json()).toEqual({ ruleId: rule.id, dryRun: false, matched: 2, changed: 2 });
    expect(await stored(user, first.id)).toMatchObject({ category: 'entertainment', tags: ['music', 'sub'] });
    expect(await stored(user, second.id)).toMatchObject({ category: 'entertainment', tags: ['music', 'sub'] });
    expect((await call(t, user, 'POST', `${RULES}/${rule.id}/apply`)).json()).toMatchObject({ matched: 2, changed: 0 });
  });
});

describe('POST /api/rules/from-transaction/:id', () => {
  it("makes a rule matching the merchant that sets the transaction's category, and later creates follow it", async () => {
    const user = await newUser(t);
    const tx = await spend(user, { merchant: 'Blue Bottle', category: 'dining' });
    const response = await call(t, user, 'POST', `${RULES}/from-transaction/${tx.id}`);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({
      name: 'Merchant: Blue Bottle',
      conditions: [{ field: 'merchant', operator: 'equals', value: 'Blue Bottle' }],
      actions: { category: 'dining' },
    });
    expect(await spend(user, { merchant: 'BLUE BOTTLE' })).toMatchObject({ category: 'dining' });

    const named = await call(t, user, 'POST', `${RULES}/from-transaction/${tx.id}`, { category: 'groceries', name: 'Beans' });
    expect(named.json()).toMatchObject({ name: 'Beans', actions: { category: 'groceries' } });
    const bare = await spend(user, { description: 'no merchant' });
    expect((await call(t, user, 'POST', `${RULES}/from-transaction/${bare.id}`)).statusCode).toBe(422);
    const other = await newUser(t);
    expect((await call(t, other, 'POST', `${RULES}/from-transaction/${tx.id}`)).statusCode).toBe(404);
  });
});

describe('uncategorised and bulk edits', () => {
  it('GET /api/transactions?category=none lists income and expenses without a category', async () => {
    const user = await newUser(t);
    const bare = await spend(user, { description: 'bare' });
    await spend(user, { description: 'filed', category: 'groceries' });
    const second = (await call(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' })).json();
    const account = (await call(t, user, 'GET', '/api/accounts')).json().items.find((a: { isDefault: boolean }) => a.isDefault);
    expect((await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: account.id, toAccountId: second.id, amount: '1.00' })).statusCode).toBe(
      201,
    );
    const items = (await call(t, user, 'GET', '/api/transactions?category=none')).json().items;
    expect(items.map((i: { id: string }) => i.id)).toEqual([bare.id]);
  });

  it('PATCH /api/transactions changes all the ids or none: one foreign id is 404 and nothing changes', async () => {
    const user = await newUser(t);
    const other = await newUser(t);
    const a = await spend(user, { description: 'a' });
    const b = await spend(user, { description: 'b', tags: ['old'] });
    const foreign = await spend(other, { description: 'theirs' });

    const refused = await call(t, user, 'PATCH', '/api/transactions', { ids: [a.id, b.id, foreign.id], set: { category: 'groceries' } });
    expect(refused.statusCode).toBe(404);
    expect(refused.json().code).toBe('transaction_not_found');
    expect(await stored(user, a.id)).toMatchObject({ category: null });
    expect(await stored(other, foreign.id)).toMatchObject({ category: null });
    expect((await call(t, user, 'PATCH', '/api/transactions', { ids: [a.id, OTHER_ID], set: { category: 'groceries' } })).statusCode).toBe(404);
    expect(await stored(user, a.id)).toMatchObject({ category: null });

    const changed = await call(t, user, 'PATCH', '/api/transactions', { ids: [a.id, b.id], set: { category: 'groceries', tags: ['new'], merchant: 'Shop' } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().items).toHaveLength(2);
    for (const id of [a.id, b.id]) expect(await stored(user, id)).toMatchObject({ category: 'groceries', tags: ['new'], merchant: 'Shop' });
    expect((await call(t, user, 'GET', '/api/transactions?category=none')).json().items).toEqual([]);

    for (const [body, field] of [
      [{ ids: [], set: { category: 'groceries' } }, 'ids'],
      [{ ids: [a.id], set: {} }, 'set'],
      [{ ids: ['nope'], set: { category: 'groceries' } }, 'ids.0'],
      [{ ids: [a.id], set: { amount: '1.00' } }, 'set'],
    ] as const) {
      const response = await call(t, user, 'PATCH', '/api/transactions', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const unknown = await call(t, user, 'PATCH', '/api/transactions', { ids: [a.id], set: { category: 'no-such' } });
    expect(unknown.statusCode).toBe(404);
    expect(await stored(user, a.id)).toMatchObject({ category: 'groceries' });
  });
});
