import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHash, type IdempotentOperation } from '../src/shared/idempotency.js';
import { runScheduler } from '../src/index.js';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

// The Idempotency-Key contract, the same on every POST that moves money (issue 8, finding 10):
// same key and body replays; the same key with ANY other body (even one that would be refused)
// is 422; while the first runs, 409; a key is per user and per operation.

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

interface Route {
  scope: IdempotentOperation;
  /** Makes what the route needs for this user; answers the request parts and a count of what it wrote. */
  setup(user: TestUser): Promise<{ url: string; body: string; other: string[]; contentType: string; written: () => Promise<number> }>;
}

const json = 'application/json';
const countOf = async (user: TestUser, url: string) => (await call(t, user, 'GET', url)).json().items.length as number;

const routes: Route[] = [
  {
    scope: 'transactions.create',
    setup: async (user) => ({
      url: '/api/transactions',
      contentType: json,
      body: JSON.stringify({ type: 'expense', amount: '2.00', category: 'dining' }),
      // Another amount; an amount the currency cannot hold (400 without a key); JSON cut short (400); an
      // unknown category (404 without a key). The create claims its key after validating, so these
      // are refused before any claim: the key held decides the answer.
      other: [
        JSON.stringify({ type: 'expense', amount: '3.00' }),
        JSON.stringify({ amount: '2.001', currency: 'USD' }),
        '{"type": "expense", "amount": ',
        JSON.stringify({ type: 'expense', amount: '2.00', category: 'caviar' }),
      ],
      written: () => countOf(user, '/api/transactions?limit=200'),
    }),
  },
  {
    scope: 'accounts.transfer',
    setup: async (user) => {
      await call(t, user, 'GET', '/api/accounts');
      const from = (await call(t, user, 'GET', '/api/accounts')).json().items[0].id as string;
      const to = (await call(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' })).json().id as string;
      return {
        url: '/api/accounts/transfers',
        contentType: json,
        body: JSON.stringify({ fromAccountId: from, toAccountId: to, amount: '5.00' }),
        other: [
          { fromAccountId: from, toAccountId: to, amount: '6.00' },
          { fromAccountId: from, toAccountId: from, amount: 'x' },
        ].map((b) => JSON.stringify(b)),
        written: () => countOf(user, '/api/transactions?limit=200'),
      };
    },
  },
  {
    scope: 'transfers.link',
    setup: async (user) => {
      const savings = (await call(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' })).json().id as string;
      const out = (await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '5.00', occurredAt: '2026-03-10T00:00:00Z' })).json().id;
      const into = await call(t, user, 'POST', '/api/transactions', { accountId: savings, type: 'income', amount: '5.00', occurredAt: '2026-03-11T00:00:00Z' });
      return {
        url: `/api/transactions/${out}/link-transfer`,
        contentType: json,
        body: JSON.stringify({ counterpartId: into.json().id }),
        // The missing leg recorded instead; a counterpart that is no id (400 without a key); neither named (400).
        other: [{ accountId: savings }, { counterpartId: 'x' }, {}].map((b) => JSON.stringify(b)),
        written: () => countOf(user, '/api/transactions?type=transfer'),
      };
    },
  },
  {
    scope: 'goals.contribute',
    setup: async (user) => {
      const goal = (await call(t, user, 'POST', '/api/goals', { name: 'Bike', targetAmount: '100.00' })).json().id as string;
      return {
        url: `/api/goals/${goal}/contributions`,
        contentType: json,
        body: JSON.stringify({ amount: '10.00' }),
        other: [{ amount: '11.00' }, { amount: '-500.00' }, { amount: 'lots' }].map((b) => JSON.stringify(b)),
        written: () => countOf(user, `/api/goals/${goal}/contributions`),
      };
    },
  },
  {
    scope: 'debts.pay',
    setup: async (user) => {
      const debt = (
        await call(t, user, 'POST', '/api/debts', {
          name: 'Loan',
          kind: 'loan',
          balance: '500.00',
          annualRate: '0',
          minimumPayment: '10.00',
          dueDay: 1,
          startDate: '2026-03-01',
        })
      ).json().id as string;
      return {
        url: `/api/debts/${debt}/payments`,
        contentType: json,
        body: JSON.stringify({ amount: '20.00' }),
        other: [{ amount: '21.00' }, { amount: '9000.00' }, { amount: 0 }].map((b) => JSON.stringify(b)),
        written: () => countOf(user, `/api/debts/${debt}/payments`),
      };
    },
  },
  {
    scope: 'transactions.import',
    setup: async (user) => ({
      url: '/api/transactions/import',
      contentType: 'text/csv',
      body: 'date,amount,description\n2026-03-10,-4.00,coffee\n',
      other: ['date,amount,description\n2026-03-10,-5.00,tea\n', 'not,a\n"broken', ''],
      written: () => countOf(user, '/api/transactions?limit=200'),
    }),
  },
];

function send(user: TestUser, url: string, contentType: string, payload: string, key: string) {
  return t.app.inject({ method: 'POST', url, headers: { ...user.headers, 'content-type': contentType, 'idempotency-key': key }, payload });
}

describe.each(routes)('Idempotency-Key on $scope', (route) => {
  it('the same key and body replays the first answer and writes nothing more', async () => {
    const user = await newUser(t);
    const r = await route.setup(user);
    const first = await send(user, r.url, r.contentType, r.body, 'retry-1');
    expect(first.statusCode, first.body).toBeLessThan(300);
    const written = await r.written();
    expect(written).toBeGreaterThan(0);
    const again = await send(user, r.url, r.contentType, r.body, 'retry-1');
    expect(again.statusCode).toBe(first.statusCode);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await r.written()).toBe(written);
  });

  it('the same key with any other body is 422 idempotency_key_reused, also a body that would be refused', async () => {
    const user = await newUser(t);
    const r = await route.setup(user);
    await send(user, r.url, r.contentType, r.body, 'reuse-1');
    const written = await r.written();
    for (const other of r.other) {
      const answer = await send(user, r.url, r.contentType, other, 'reuse-1');
      expect(answer.statusCode, `${other} → ${answer.body}`).toBe(422);
      expect(answer.json()).toMatchObject({ code: 'idempotency_key_reused' });
    }
    expect(await r.written()).toBe(written);
  });

  it('a duplicate while the first is still running is 409, and writes nothing', async () => {
    const user = await newUser(t);
    const r = await route.setup(user);
    const before = await r.written();
    const now = t.clock.now();
    await t.ctx.db
      .insertInto('idempotency_keys')
      .values({
        user_id: user.id,
        scope: route.scope,
        key: 'busy-1',
        request_hash: requestHash(r.url, Buffer.from(r.body)),
        response_status: null,
        response_body: null,
        created_at: now,
        expires_at: new Date(now.getTime() + 3_600_000),
      })
      .execute();
    const duplicate = await send(user, r.url, r.contentType, r.body, 'busy-1');
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({ code: 'idempotency_in_progress' });
    expect(await r.written()).toBe(before);
  });

  it('a refused request frees its key for a corrected retry', async () => {
    const user = await newUser(t);
    const r = await route.setup(user);
    const refused = await send(user, r.url, r.contentType, r.other.at(-1) ?? '', 'fix-1');
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    const fixed = await send(user, r.url, r.contentType, r.body, 'fix-1');
    expect(fixed.statusCode, fixed.body).toBeLessThan(300);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('Idempotency-Key scope', () => {
  it('one key on two routes is two keys (per user and per operation)', async () => {
    const user = await newUser(t);
    const goal = (await call(t, user, 'POST', '/api/goals', { name: 'Car', targetAmount: '100.00' })).json().id as string;
    const created = await send(user, '/api/transactions', json, JSON.stringify({ type: 'income', amount: '9.00' }), 'same-key');
    const contributed = await send(user, `/api/goals/${goal}/contributions`, json, JSON.stringify({ amount: '1.00' }), 'same-key');
    expect([created.statusCode, contributed.statusCode]).toEqual([201, 201]);
    expect(contributed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a multipart import with a key replays too', async () => {
    const user = await newUser(t);
    const boundary = 'x-boundary';
    const form = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\ndate,amount\n2026-03-11,-1.50\n\r\n--${boundary}--\r\n`;
    const first = await send(user, '/api/transactions/import', `multipart/form-data; boundary=${boundary}`, form, 'upload-1');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ created: 1 });
    const again = await send(user, '/api/transactions/import', `multipart/form-data; boundary=${boundary}`, form, 'upload-1');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await countOf(user, '/api/transactions')).toBe(1);
  });
});

describe('one create path', () => {
  it('a user with a budget gets its threshold events from a create, in the create’s transaction', async () => {
    const user = await newUser(t);
    const budget = (await call(t, user, 'POST', '/api/budgets', { name: 'All', amount: '100.00', period: 'monthly', startDate: '2026-03-01' })).json();
    expect((await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '85.00' }, { 'idempotency-key': 'b-1' })).statusCode).toBe(201);
    const events = (await call(t, user, 'GET', `/api/budgets/${budget.id}/events`)).json().items;
    expect(events.map((e: { threshold: number }) => e.threshold)).toEqual([80]);
    const outbox = await t.ctx.db.selectFrom('outbox').select('type').where('user_id', '=', user.id).execute();
    expect(outbox.map((r) => r.type).sort()).toEqual(['budget.threshold_reached', 'transaction.created']);
  });

  it('the recurring scheduler posts through the same create: budget thresholds and the created event', async () => {
    const user = await newUser(t);
    const budget = (await call(t, user, 'POST', '/api/budgets', { name: 'All', amount: '100.00', period: 'monthly', startDate: '2026-03-01' })).json();
    const rule = await call(t, user, 'POST', '/api/recurring-transactions', {
      type: 'expense',
      amount: '120.00',
      frequency: 'monthly',
      startDate: '2026-03-15',
    });
    expect(rule.statusCode, rule.body).toBe(201);
    // A due occurrence posts within the create request, by the scheduler's own path.
    expect((await call(t, user, 'GET', '/api/transactions')).json().items).toMatchObject([{ amount: '120.00', recurringRuleId: rule.json().id }]);
    expect((await runScheduler(t.ctx)).posted).toBe(0);
    const events = (await call(t, user, 'GET', `/api/budgets/${budget.id}/events`)).json().items;
    expect(events.map((e: { threshold: number }) => e.threshold).sort()).toEqual([100, 80]);
  });
});
