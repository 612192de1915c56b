import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainQuery, recordQueries, planLinesWith } from '@expensio/common/testing';
import type { FinanceDb } from '../src/db.js';
import { listThresholdEvents } from '../src/budgets/repo.js';
import { listDebts } from '../src/debts/repo.js';
import { listContributions, listGoals } from '../src/goals/repo.js';
import { listMoods } from '../src/moods/repo.js';
import { listRules } from '../src/recurring/repo.js';
import { listTransactions } from '../src/transactions/repo.js';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

const userId = randomUUID();
const cursorId = randomUUID();
const cursor = { at: new Date('2026-03-01T00:00:00Z'), id: cursorId };

// Each list's page past a cursor, run against a recording view of the database.
const lists: Record<string, (db: FinanceDb) => Promise<unknown>> = {
  transactions: (db) =>
    listTransactions(db, { ...t.database, prepared: (_name, query) => db.executeQuery(query).then((r) => r.rows as never[]) }, { userId, cursor, limit: 50 }),
  goals: (db) => listGoals(db, { userId, cursor, limit: 50 }),
  'goal contributions': (db) => listContributions(db, { userId, goalId: randomUUID(), cursor, limit: 50 }),
  moods: (db) => listMoods(db, { userId, cursor, limit: 50 }),
  'recurring rules': (db) => listRules(db, { userId, cursor, limit: 50 }),
  'budget threshold events': (db) => listThresholdEvents(db, { userId, budgetId: randomUUID(), cursor, limit: 50 }),
  debts: (db) => listDebts(db, { userId, cursor, limit: 50 }),
};

describe('keyset pages', () => {
  it.each(Object.keys(lists))('%s: the index starts the scan at the cursor', async (name) => {
    const recording = recordQueries(t.ctx.db);
    await lists[name]?.(recording.db);
    const [query] = recording.queries;
    if (query === undefined) throw new Error(`${name} ran no query`);
    const plan = await explainQuery(t.ctx.db, query);
    const bounds = planLinesWith(plan, cursorId);
    expect(bounds.length, plan).toBeGreaterThan(0);
    for (const line of bounds) expect(line, plan).toMatch(/^Index Cond: /);
  });
});
