import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forSchema, type Database } from '@expensio/common';
import { explainQuery, openTestDatabase, recordQueries, planLinesWith } from '@expensio/common/testing';
import { IDENTITY_SCHEMA, type IdentityDb } from '../src/db.js';
import { listUsers } from '../src/users/repo.js';

let database: Database;
let db: IdentityDb;
beforeAll(async () => {
  database = await openTestDatabase();
  db = forSchema(database, IDENTITY_SCHEMA);
});
afterAll(async () => {
  await database.close();
});

const cursorId = randomUUID();

const lists: Record<string, (db: IdentityDb) => Promise<unknown>> = {
  users: (recording) => listUsers(recording, { after: cursorId, limit: 50 }),
};

describe('keyset pages', () => {
  it.each(Object.keys(lists))('%s: the index starts the scan at the cursor', async (name) => {
    const recording = recordQueries(db);
    await lists[name]?.(recording.db);
    const [query] = recording.queries;
    if (query === undefined) throw new Error(`${name} ran no query`);
    const plan = await explainQuery(db, query);
    const bounds = planLinesWith(plan, cursorId);
    expect(bounds.length, plan).toBeGreaterThan(0);
    for (const line of bounds) expect(line, plan).toMatch(/^Index Cond: /);
  });
});
