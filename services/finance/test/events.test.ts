import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, forSchema, type EventTables } from '@expensio/common';
import { settleEvents, call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

// What finance tells the other services, through its outbox, and what it does on user.deleted.

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

async function published(user: TestUser, type: string) {
  const rows = await t.ctx.db
    .selectFrom('outbox')
    .select(['type', 'user_id', 'payload'])
    .where('user_id', '=', user.id)
    .where('type', '=', type)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.payload as Record<string, unknown>);
}

const expense = async (user: TestUser, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
  const response = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '10.00', ...body }, headers);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
};

describe('transaction events', () => {
  it('a create publishes transaction.created once, also with a mood and an idempotent retry', async () => {
    const user = await newUser(t);
    const created = await expense(
      user,
      { category: 'groceries', merchant: 'Market', tags: ['food'], mood: { mood: 'happy', intensity: 4 } },
      { 'idempotency-key': 'e-1' },
    );
    await expense(user, { category: 'groceries', merchant: 'Market', tags: ['food'], mood: { mood: 'happy', intensity: 4 } }, { 'idempotency-key': 'e-1' });
    expect(created.mood).toMatchObject({ mood: 'happy', intensity: 4, transactionId: created.id });
    expect((await call(t, user, 'GET', `/api/transaction-moods?limit=10`)).json().items).toHaveLength(1);
    expect(await published(user, 'transaction.created')).toEqual([
      {
        transactionId: created.id,
        accountId: created.accountId,
        type: 'expense',
        amount: '10.00',
        currency: 'USD',
        categoryId: created.categoryId,
        description: null,
        merchant: 'Market',
        occurredAt: created.occurredAt,
        tags: ['food'],
        transferId: null,
        recurringRuleId: null,
      },
    ]);
  });

  it('a create that fails publishes nothing', async () => {
    const user = await newUser(t);
    expect((await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '1.00', category: 'no-such-thing' })).statusCode).toBe(404);
    expect(await published(user, 'transaction.created')).toEqual([]);
  });

  it('an account archived after a write is refused on the next one, with nothing written', async () => {
    const user = await newUser(t);
    const card = (await call(t, user, 'POST', '/api/accounts', { name: 'Card', type: 'credit_card', currency: 'EUR' })).json();
    await expense(user, { accountId: card.id });
    expect((await call(t, user, 'PATCH', `/api/accounts/${card.id}`, { archived: true })).statusCode).toBe(200);
    const refused = await call(
      t,
      user,
      'POST',
      '/api/transactions',
      { accountId: card.id, type: 'expense', amount: '2.00' },
      { 'idempotency-key': 'after-archive' },
    );
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'account_archived' });
    expect(await published(user, 'transaction.created')).toHaveLength(1);
    expect((await call(t, user, 'GET', '/api/transactions')).json().items).toHaveLength(1);
  });

  it('a change publishes transaction.updated naming the fields; deleting a transfer publishes both legs', async () => {
    const user = await newUser(t);
    const created = await expense(user);
    expect((await call(t, user, 'PATCH', `/api/transactions/${created.id}`, { amount: '12.50', merchant: 'Shop' })).statusCode).toBe(200);
    expect(await published(user, 'transaction.updated')).toEqual([
      expect.objectContaining({ transactionId: created.id, amount: '12.50', merchant: 'Shop', changed: ['amount', 'merchant'] }),
    ]);

    const savings = (await call(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' })).json();
    const transfer = (
      await call(t, user, 'POST', '/api/accounts/transfers', { fromAccountId: created.accountId, toAccountId: savings.id, amount: '5.00' })
    ).json();
    expect((await published(user, 'transaction.created')).map((p) => p.type).sort()).toEqual(['expense', 'transfer_in', 'transfer_out']);
    expect((await call(t, user, 'DELETE', `/api/transactions/${transfer.from.id}`)).statusCode).toBe(204);
    expect((await published(user, 'transaction.deleted')).map((p) => [p.type, p.amount]).sort()).toEqual([
      ['transfer_in', '5.00'],
      ['transfer_out', '5.00'],
    ]);
  });
});

describe('budget thresholds', () => {
  it('crossing 80% and 100% publishes budget.threshold_reached once each', async () => {
    const user = await newUser(t);
    const budget = (
      await call(t, user, 'POST', '/api/budgets', { name: 'Food', amount: '100.00', period: 'monthly', category: 'groceries', startDate: '2026-03-01' })
    ).json();
    await expense(user, { amount: '50.00', category: 'groceries' });
    await expense(user, { amount: '20.00', category: 'dining' });
    expect(await published(user, 'budget.threshold_reached')).toEqual([]);
    await expense(user, { amount: '35.00', category: 'groceries' });
    await expense(user, { amount: '1.00', category: 'groceries' });
    await expense(user, { amount: '30.00', category: 'groceries' });
    expect(await published(user, 'budget.threshold_reached')).toEqual([
      {
        budgetId: budget.id,
        name: 'Food',
        categoryId: budget.categoryId,
        periodStart: '2026-03-01',
        threshold: 80,
        spent: '85.00',
        available: '100.00',
        currency: 'USD',
      },
      {
        budgetId: budget.id,
        name: 'Food',
        categoryId: budget.categoryId,
        periodStart: '2026-03-01',
        threshold: 100,
        spent: '116.00',
        available: '100.00',
        currency: 'USD',
      },
    ]);
  });
});

describe('budget thresholds after a CSV import', () => {
  it('an import that crosses 80% records and publishes it once; importing the same file again adds nothing', async () => {
    const user = await newUser(t);
    const budget = (await call(t, user, 'POST', '/api/budgets', { name: 'Month', amount: '200.00', period: 'monthly', startDate: '2026-03-01' })).json();
    const csv = 'date,amount,description,category\n2026-03-02,-90.00,Rent share,rent\n2026-03-03,-80.00,Market,groceries\n2026-03-04,500.00,Pay,salary\n';
    const importFile = () =>
      t.app.inject({ method: 'POST', url: '/api/transactions/import', headers: { ...user.headers, 'content-type': 'text/csv' }, payload: csv });
    expect((await importFile()).json()).toMatchObject({ created: 3 });
    expect((await importFile()).json()).toMatchObject({ created: 0, duplicates: 3 });
    expect(await published(user, 'budget.threshold_reached')).toEqual([
      expect.objectContaining({ budgetId: budget.id, threshold: 80, spent: '170.00', periodStart: '2026-03-01' }),
    ]);
  });
});

describe('goal and recurring events', () => {
  it('contributions publish goal.progressed, and reaching the target goal.completed once', async () => {
    const user = await newUser(t);
    const goal = (await call(t, user, 'POST', '/api/goals', { name: 'Bike', targetAmount: '100.00' })).json();
    for (const amount of ['60.00', '40.00', '-10.00', '10.00']) {
      expect((await call(t, user, 'POST', `/api/goals/${goal.id}/contributions`, { amount })).statusCode).toBe(201);
    }
    expect((await published(user, 'goal.progressed')).map((p) => [p.saved, p.percent])).toEqual([
      ['60.00', '60.00'],
      ['100.00', '100.00'],
      ['90.00', '90.00'],
      ['100.00', '100.00'],
    ]);
    expect(await published(user, 'goal.completed')).toEqual([
      expect.objectContaining({ goalId: goal.id, name: 'Bike', saved: '100.00', target: '100.00', currency: 'USD' }),
    ]);
  });

  it('the scheduler publishes recurring.posted with the transaction it wrote', async () => {
    const user = await newUser(t);
    const rule = (
      await call(t, user, 'POST', '/api/recurring-transactions', { type: 'income', amount: '1000.00', frequency: 'monthly', startDate: '2026-03-01' })
    ).json();
    const { runScheduler } = await import('../src/index.js');
    await runScheduler(t.ctx);
    const [posted] = await published(user, 'recurring.posted');
    expect(posted).toMatchObject({ ruleId: rule.id, occurrenceDate: '2026-03-01', type: 'income', amount: '1000.00', currency: 'USD' });
    expect(await published(user, 'transaction.created')).toEqual([expect.objectContaining({ transactionId: posted?.transactionId, recurringRuleId: rule.id })]);
  });
});

describe('user.deleted', () => {
  it('removes every finance row of that user and nothing of anyone else', async () => {
    const [gone, kept] = [await newUser(t), await newUser(t)];
    for (const user of [gone, kept]) {
      const tx = await expense(user, { mood: { mood: 'sad' } });
      await call(t, user, 'POST', '/api/categories', { name: 'Hobby' });
      await call(t, user, 'POST', '/api/budgets', { name: 'All', amount: '50.00', period: 'monthly', startDate: '2026-03-01' });
      const goal = (await call(t, user, 'POST', '/api/goals', { name: 'Trip', targetAmount: '10.00' })).json();
      await call(t, user, 'POST', `/api/goals/${goal.id}/contributions`, { amount: '1.00' });
      await call(t, user, 'POST', '/api/debts', { name: 'Loan', kind: 'loan', balance: '1000.00', annualRate: '5', minimumPayment: '50.00', dueDay: 1 });
      await call(t, user, 'POST', '/api/recurring-transactions', { type: 'expense', amount: '9.99', frequency: 'monthly', startDate: '2026-04-01' });
      expect(tx.mood).toBeDefined();
    }
    // Identity publishes user.deleted from its own outbox; here a bus over identity's schema stands in for it.
    await t.settle(); // Their events are delivered: the erasure takes those rows too.
    const identityDb = forSchema<EventTables>(t.database, 'identity');
    const identityBus = createEventBus({ db: identityDb, transport: t.transport });
    await identityBus.start();
    try {
      await identityDb.transaction().execute((trx) => identityBus.publish(trx, 'user.deleted', gone.id, { reason: 'user_request' }));
      await settleEvents([identityDb, t.ctx.db]);
    } finally {
      await identityBus.stop();
    }
    const tables = [
      'accounts',
      'categories',
      'transactions',
      'transaction_moods',
      'budgets',
      'goals',
      'goal_contributions',
      'debts',
      'recurring_rules',
      'idempotency_keys',
      'outbox',
    ] as const;
    for (const table of tables) {
      const count = async (userId: string) =>
        Number(
          (
            await t.ctx.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .where('user_id', '=', userId)
              .executeTakeFirstOrThrow()
          ).n,
        );
      expect(await count(gone.id), table).toBe(0);
      if (table !== 'idempotency_keys') expect(await count(kept.id), table).toBeGreaterThan(0);
    }
    // The deleted user's token still verifies here (identity revokes it); what it finds is a fresh start.
    expect((await call(t, kept, 'GET', '/api/transactions')).json().items).toHaveLength(1);
  });
});
