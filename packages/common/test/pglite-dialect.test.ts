import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { sql, type Generated, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '@expensio/common';
import { openTestDatabase } from '@expensio/common/testing';

interface ProbeTable {
  probe: { id: Generated<number>; label: string };
  amounts: { id: number; amount: bigint };
}

let database: Database;
let schema: string;
let db: Kysely<ProbeTable>;

beforeAll(async () => {
  database = await openTestDatabase();
  schema = `dialect_${randomBytes(4).toString('hex')}`;
  await sql.raw(`create schema ${schema}`).execute(database.kysely);
  db = database.kysely.withSchema(schema) as Kysely<ProbeTable>;
  await db.schema
    .createTable('probe')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('label', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('amounts')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .execute();
});

afterAll(async () => {
  await database.close();
});

async function labels(): Promise<string[]> {
  const rows = await db.selectFrom('probe').select('label').orderBy('label').execute();
  return rows.map((r) => r.label);
}

async function clearProbe() {
  await db.deleteFrom('probe').execute();
}

/** A promise the test resolves by hand, to hold a transaction open at a chosen point. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

class Rollback extends Error {}

describe.skipIf(inject('testDatabase').kind === 'postgres')('PGliteDialect on one PGlite connection', () => {
  it('runs concurrent transactions one after another: no interleaving, a rollback keeps the other commit', async () => {
    await clearProbe();
    const events: string[] = [];
    const counts: Record<string, number> = {};

    async function work(label: string, rollback: boolean) {
      await db.transaction().execute(async (trx) => {
        events.push(`${label}:begin`);
        await trx.insertInto('probe').values({ label }).execute();
        // Give the other transaction every chance to run its statements now.
        await delay(20);
        const row = await trx
          .selectFrom('probe')
          .select((eb) => eb.fn.countAll<bigint>().as('n'))
          .executeTakeFirstOrThrow();
        counts[label] = Number(row.n);
        events.push(`${label}:end`);
        if (rollback) throw new Rollback(label);
      });
    }

    // The one that rolls back starts first: were statements to interleave on the single
    // connection, its rollback would take the other's row with it.
    const results = await Promise.allSettled([work('rolled-back', true), work('committed', false)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(events).toEqual(['rolled-back:begin', 'rolled-back:end', 'committed:begin', 'committed:end']);
    expect(counts).toEqual({ 'rolled-back': 1, committed: 1 });
    expect(await labels()).toEqual(['committed']);
  });

  it('keeps a query issued outside a transaction from seeing its uncommitted rows', async () => {
    await clearProbe();
    const inserted = gate();
    const release = gate();
    const transaction = db.transaction().execute(async (trx) => {
      await trx.insertInto('probe').values({ label: 'uncommitted' }).execute();
      inserted.open();
      await release.opened;
      throw new Rollback('undo');
    });
    await inserted.opened;
    // Issued while the transaction holds the connection: it must wait for the rollback.
    const outside = labels();
    release.open();
    await expect(transaction).rejects.toBeInstanceOf(Rollback);
    expect(await outside).toEqual([]);
  });

  it('frees the connection after a failed statement inside a transaction', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`select * from no_such_table_${sql.raw(randomBytes(3).toString('hex'))}`.execute(trx);
      }),
    ).rejects.toThrow(/does not exist/);
    await expect(db.selectFrom('probe').select('id').execute()).resolves.toBeInstanceOf(Array);
  });

  it('runs a multi-statement script without parameters, answering with the last statement', async () => {
    await clearProbe();
    const result = await sql<{ n: bigint }>`${sql.raw(`
      insert into ${schema}.probe (label) values ('one');
      insert into ${schema}.probe (label) values ('two');
      select count(*) as n from ${schema}.probe;
    `)}`.execute(db);
    expect(result.rows).toEqual([{ n: 2n }]);
    expect(await labels()).toEqual(['one', 'two']);
  });

  it('binds parameters when there are some', async () => {
    const result = await sql<{ echoed: string; sum: number }>`select ${'a; drop table probe; --'}::text as echoed, ${2}::int + ${3}::int as sum`.execute(db);
    expect(result.rows).toEqual([{ echoed: 'a; drop table probe; --', sum: 5 }]);
    await expect(labels()).resolves.toBeInstanceOf(Array);
  });

  it('reports affected rows', async () => {
    await clearProbe();
    await db
      .insertInto('probe')
      .values([{ label: 'x' }, { label: 'y' }, { label: 'z' }])
      .execute();
    const updated = await db.updateTable('probe').set({ label: 'w' }).where('label', '!=', 'x').executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(2n);
  });
});

describe('bigint columns', () => {
  it('come back as JS bigint, small and beyond 2^53 alike', async () => {
    const big = 2n ** 53n + 1n;
    await db
      .insertInto('amounts')
      .values([
        { id: 1, amount: 1250n },
        { id: 2, amount: big },
        { id: 3, amount: -big },
      ])
      .execute();
    const rows = await db.selectFrom('amounts').select(['id', 'amount']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 1, amount: 1250n },
      { id: 2, amount: big },
      { id: 3, amount: -big },
    ]);
    for (const row of rows) expect(typeof row.amount).toBe('bigint');
    const sum = await db
      .selectFrom('amounts')
      .select((eb) => eb.fn.sum<string>('amount').as('total'))
      .executeTakeFirstOrThrow();
    // sum(bigint) is numeric: it stays a string, never a float.
    expect(sum.total).toBe('1250');
  });
});
