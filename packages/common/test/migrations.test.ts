import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadMigrations,
  MigrationError,
  migrateDown,
  migrateUp,
  migrationStatus,
  openPostgres,
  runMigrationCli,
  type AnyKysely,
  type Database,
  type MigrationSet,
} from '@expensio/common';
import { openTestDatabase } from '@expensio/common/testing';

let database: Database & { url?: string };
let db: AnyKysely;
const tempDirs: string[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.kysely;
});

afterAll(async () => {
  await database.close();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const freshSchema = () => `mig_${randomBytes(5).toString('hex')}`;

/** Writes migration files (name -> SQL) into a new temporary folder and returns it. */
function migrationDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'expensio-migrations-'));
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Three migrations, the third referencing the second, so rolling back out of order would fail. */
const THREE = {
  '0001_accounts.up.sql': 'create table accounts (id integer primary key, name text not null);\ncreate index accounts_name_idx on accounts (name);',
  '0001_accounts.down.sql': 'drop table accounts;',
  '0002_categories.up.sql': 'create table categories (id integer primary key, label text not null);',
  '0002_categories.down.sql': 'drop table categories;',
  '0003_entries.up.sql': 'create table entries (id integer primary key, category_id integer not null references categories (id));',
  '0003_entries.down.sql': 'drop table entries;',
};

function setFrom(schema: string, dir: string): MigrationSet {
  return { schema, migrations: loadMigrations(dir) };
}

async function tables(schema: string): Promise<string[]> {
  const result = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(db);
  return result.rows.map((r) => r.table_name);
}

async function schemaExists(schema: string): Promise<boolean> {
  const result = await sql<{ n: number }>`select 1 as n from information_schema.schemata where schema_name = ${schema}`.execute(db);
  return result.rows.length > 0;
}

async function history(schema: string): Promise<{ version: number; name: string; checksum: string; applied_at: Date }[]> {
  const result = await sql<{ version: number; name: string; checksum: string; applied_at: Date }>`
    select version, name, checksum, applied_at from ${sql.table(`${schema}.schema_migrations`)} order by version`.execute(db);
  return result.rows;
}

const versions = (migrations: { version: number }[]) => migrations.map((m) => m.version);

async function migrationErrorOf(promise: Promise<unknown>): Promise<MigrationError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MigrationError);
  return error as MigrationError;
}

describe('loadMigrations', () => {
  it('reads up/down pairs in version order, ignoring other files', () => {
    const dir = migrationDir({ ...THREE, 'README.md': '# notes', '0004_draft.sql': 'select 1;', '10_short.up.sql': 'select 1;' });
    const migrations = loadMigrations(dir);
    expect(migrations.map((m) => [m.version, m.name])).toEqual([
      [1, 'accounts'],
      [2, 'categories'],
      [3, 'entries'],
    ]);
    expect(migrations[1]).toMatchObject({ up: THREE['0002_categories.up.sql'], down: THREE['0002_categories.down.sql'] });
    expect(migrations[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(migrations.map((m) => m.checksum)).size).toBe(3);
  });

  it('refuses a half pair', () => {
    const dir = migrationDir({ ...THREE, '0004_orphan.up.sql': 'create table orphan (id int);' });
    expect(() => loadMigrations(dir)).toThrow(MigrationError);
    expect(() => loadMigrations(dir)).toThrow(/0004_orphan needs both an \.up\.sql and a \.down\.sql/);
    const downOnly = migrationDir({ '0001_undo.down.sql': 'drop table x;' });
    expect(() => loadMigrations(downOnly)).toThrow(MigrationError);
  });

  it('refuses two names for one version', () => {
    const dir = migrationDir({
      ...THREE,
      '0002_labels.up.sql': 'create table labels (id int);',
      '0002_labels.down.sql': 'drop table labels;',
    });
    expect(() => loadMigrations(dir)).toThrow(/share version 0002/);
  });

  it('ignores line-ending and surrounding whitespace differences in the checksum, nothing else', () => {
    const [original] = loadMigrations(migrationDir({ '0001_a.up.sql': 'create table a (id int);\n', '0001_a.down.sql': 'drop table a;\n' }));
    const [crlf] = loadMigrations(migrationDir({ '0001_a.up.sql': 'create table a (id int);\r\n\r\n', '0001_a.down.sql': 'drop table a;' }));
    const [edited] = loadMigrations(migrationDir({ '0001_a.up.sql': 'create table a (id bigint);\n', '0001_a.down.sql': 'drop table a;\n' }));
    expect(crlf?.checksum).toBe(original?.checksum);
    expect(edited?.checksum).not.toBe(original?.checksum);
  });
});

describe('migrateUp / migrateDown / migrationStatus', () => {
  it('applies every migration into its schema and records each in <schema>.schema_migrations', async () => {
    const schema = freshSchema();
    const set = setFrom(schema, migrationDir(THREE));
    expect(versions(await migrateUp(db, set))).toEqual([1, 2, 3]);
    expect(await tables(schema)).toEqual(['accounts', 'categories', 'entries', 'schema_migrations']);
    const rows = await history(schema);
    expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(set.migrations.map((m) => [m.version, m.name, m.checksum]));
    for (const row of rows) expect(row.applied_at).toBeInstanceOf(Date);
    // Nothing leaked into public.
    expect(await tables('public')).not.toContain('accounts');
  });

  it('shows applied and pending migrations in status', async () => {
    const schema = freshSchema();
    const dir = migrationDir(THREE);
    const firstTwo: MigrationSet = { schema, migrations: loadMigrations(dir).slice(0, 2) };
    expect(await migrationStatus(db, firstTwo)).toEqual([
      { version: 1, name: 'accounts', state: 'pending', appliedAt: null },
      { version: 2, name: 'categories', state: 'pending', appliedAt: null },
    ]);
    await migrateUp(db, firstTwo);
    const status = await migrationStatus(db, setFrom(schema, dir));
    expect(status.map((s) => [s.version, s.state])).toEqual([
      [1, 'applied'],
      [2, 'applied'],
      [3, 'pending'],
    ]);
    expect(status[0]?.appliedAt).toBeInstanceOf(Date);
    expect(status[2]?.appliedAt).toBeNull();
  });

  it('is a no-op the second time', async () => {
    const schema = freshSchema();
    const set = setFrom(schema, migrationDir(THREE));
    await migrateUp(db, set);
    const before = await history(schema);
    expect(await migrateUp(db, set)).toEqual([]);
    expect(await history(schema)).toEqual(before);
    expect(await tables(schema)).toEqual(['accounts', 'categories', 'entries', 'schema_migrations']);
  });

  it('applies only the new migrations of a longer set', async () => {
    const schema = freshSchema();
    const dir = migrationDir(THREE);
    await migrateUp(db, { schema, migrations: loadMigrations(dir).slice(0, 1) });
    await sql`insert into ${sql.table(`${schema}.accounts`)} (id, name) values (1, 'Cash')`.execute(db);
    expect(versions(await migrateUp(db, setFrom(schema, dir)))).toEqual([2, 3]);
    // The first migration did not run again: its data is still there.
    const kept = await sql<{ name: string }>`select name from ${sql.table(`${schema}.accounts`)}`.execute(db);
    expect(kept.rows).toEqual([{ name: 'Cash' }]);
  });

  it('rolls back the newest n migrations, newest first, and their tables are gone', async () => {
    const schema = freshSchema();
    const set = setFrom(schema, migrationDir(THREE));
    await migrateUp(db, set);
    // entries references categories: dropping categories first would fail.
    expect(versions(await migrateDown(db, set, 2))).toEqual([3, 2]);
    expect(await tables(schema)).toEqual(['accounts', 'schema_migrations']);
    expect(versions(await history(schema))).toEqual([1]);
    expect((await migrationStatus(db, set)).map((s) => s.state)).toEqual(['applied', 'pending', 'pending']);

    expect(versions(await migrateDown(db, set))).toEqual([1]);
    expect(await tables(schema)).toEqual(['schema_migrations']);
    expect(await migrateDown(db, set, 5)).toEqual([]);

    // And back up again from nothing.
    expect(versions(await migrateUp(db, set))).toEqual([1, 2, 3]);
  });

  it('rolls back at most what was applied', async () => {
    const schema = freshSchema();
    const set = setFrom(schema, migrationDir(THREE));
    await migrateUp(db, set);
    expect(versions(await migrateDown(db, set, 10))).toEqual([3, 2, 1]);
    expect(await tables(schema)).toEqual(['schema_migrations']);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %s steps down', async (steps) => {
    const schema = freshSchema();
    const set = setFrom(schema, migrationDir(THREE));
    await migrateUp(db, set);
    await migrationErrorOf(migrateDown(db, set, steps));
    expect(versions(await history(schema))).toEqual([1, 2, 3]);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    const set: MigrationSet = { schema: 'public; drop schema identity cascade', migrations: loadMigrations(migrationDir(THREE)) };
    const error = await migrationErrorOf(migrateUp(db, set));
    expect(error.message).toContain('Invalid schema name');
    expect(await schemaExists('identity')).toBe(true);
  });

  it('detects an applied migration whose file was edited: up and down throw, status says drifted', async () => {
    const schema = freshSchema();
    const dir = migrationDir(THREE);
    await migrateUp(db, setFrom(schema, dir));
    writeFileSync(path.join(dir, '0002_categories.up.sql'), 'create table categories (id integer primary key, label text not null, colour text);');
    const edited = setFrom(schema, dir);

    const upError = await migrationErrorOf(migrateUp(db, edited));
    expect(upError.message).toMatch(/0002_categories was edited after it was applied/);
    await migrationErrorOf(migrateDown(db, edited, 1));
    expect(await tables(schema)).toEqual(['accounts', 'categories', 'entries', 'schema_migrations']);
    expect(versions(await history(schema))).toEqual([1, 2, 3]);

    expect((await migrationStatus(db, edited)).map((s) => [s.version, s.state])).toEqual([
      [1, 'applied'],
      [2, 'drifted'],
      [3, 'applied'],
    ]);
  });

  it('treats an edited down file as drift too', async () => {
    const schema = freshSchema();
    const dir = migrationDir(THREE);
    await migrateUp(db, setFrom(schema, dir));
    writeFileSync(path.join(dir, '0003_entries.down.sql'), 'drop table entries cascade;');
    const edited = setFrom(schema, dir);
    await migrationErrorOf(migrateDown(db, edited, 1));
    expect((await migrationStatus(db, edited)).find((s) => s.version === 3)?.state).toBe('drifted');
  });

  it('reports an applied migration whose file is gone as missing, and up refuses to run', async () => {
    const schema = freshSchema();
    const dir = migrationDir(THREE);
    await migrateUp(db, setFrom(schema, dir));
    unlinkSync(path.join(dir, '0003_entries.up.sql'));
    unlinkSync(path.join(dir, '0003_entries.down.sql'));
    writeFileSync(path.join(dir, '0004_budgets.up.sql'), 'create table budgets (id integer primary key);');
    writeFileSync(path.join(dir, '0004_budgets.down.sql'), 'drop table budgets;');
    const older = setFrom(schema, dir);

    expect(await migrationStatus(db, older)).toEqual([
      expect.objectContaining({ version: 1, state: 'applied' }),
      expect.objectContaining({ version: 2, state: 'applied' }),
      { version: 3, name: 'entries', state: 'missing', appliedAt: expect.any(Date) as Date },
      { version: 4, name: 'budgets', state: 'pending', appliedAt: null },
    ]);
    const error = await migrationErrorOf(migrateUp(db, older));
    expect(error.message).toMatch(/0003_entries has no file/);
    expect(await tables(schema)).not.toContain('budgets');
    await migrationErrorOf(migrateDown(db, older, 1));
    expect(await tables(schema)).toContain('entries');
  });

  it('leaves a fresh schema exactly as it was when a migration fails', async () => {
    const schema = freshSchema();
    const set = setFrom(
      schema,
      migrationDir({
        ...THREE,
        '0002_categories.up.sql': 'create table categories (id integer primary key);\ncreate tabel typo (id int);',
      }),
    );
    await expect(migrateUp(db, set)).rejects.toThrow(/syntax error/);
    expect(await schemaExists(schema)).toBe(false);
    expect(await tables(schema)).toEqual([]);
    const stray = await sql<{ oid: string | null }>`select to_regclass(${`${schema}.accounts`})::text as oid`.execute(db);
    expect(stray.rows).toEqual([{ oid: null }]);
  });

  it('leaves an existing schema and its history exactly as they were when a later migration fails', async () => {
    const schema = freshSchema();
    const dir = migrationDir(THREE);
    await migrateUp(db, { schema, migrations: loadMigrations(dir).slice(0, 1) });
    const tablesBefore = await tables(schema);
    const historyBefore = await history(schema);
    writeFileSync(path.join(dir, '0003_entries.up.sql'), 'create table entries (id integer primary key references nowhere (id));');

    await expect(migrateUp(db, setFrom(schema, dir))).rejects.toThrow(/nowhere/);
    expect(await tables(schema)).toEqual(tablesBefore);
    expect(await history(schema)).toEqual(historyBefore);
    expect((await migrationStatus(db, setFrom(schema, dir))).map((s) => s.state)).toEqual(['applied', 'pending', 'pending']);
  });

  it('leaves everything applied when a down migration fails', async () => {
    const schema = freshSchema();
    const dir = migrationDir({ ...THREE, '0002_categories.down.sql': 'drop table no_such_table;' });
    const set = setFrom(schema, dir);
    await migrateUp(db, set);
    await expect(migrateDown(db, set, 2)).rejects.toThrow(/no_such_table/);
    expect(await tables(schema)).toEqual(['accounts', 'categories', 'entries', 'schema_migrations']);
    expect(versions(await history(schema))).toEqual([1, 2, 3]);
  });

  it('applies each migration exactly once when two runs start together', async () => {
    const schema = freshSchema();
    const set = setFrom(schema, migrationDir(THREE));
    // On PostgreSQL the second run uses a connection of its own, so only the advisory lock
    // keeps the two apart; PGlite has one connection and runs them one after the other.
    const second = database.url === undefined ? undefined : openPostgres(database.url, 1);
    try {
      const results = await Promise.all([migrateUp(db, set), migrateUp(second?.kysely ?? db, set)]);
      expect(results.map((applied) => applied.length).sort()).toEqual([0, 3]);
    } finally {
      await second?.close();
    }
    expect(versions(await history(schema))).toEqual([1, 2, 3]);
    expect(await tables(schema)).toEqual(['accounts', 'categories', 'entries', 'schema_migrations']);
  });

  it('keeps two schemas that share a database apart', async () => {
    const [a, b] = [freshSchema(), freshSchema()];
    const dir = migrationDir(THREE);
    await migrateUp(db, setFrom(a, dir));
    expect((await migrationStatus(db, setFrom(b, dir))).map((s) => s.state)).toEqual(['pending', 'pending', 'pending']);
    expect(versions(await migrateUp(db, setFrom(b, dir)))).toEqual([1, 2, 3]);
    await migrateDown(db, setFrom(a, dir), 3);
    expect(await tables(b)).toEqual(['accounts', 'categories', 'entries', 'schema_migrations']);
  });
});

describe('runMigrationCli', () => {
  const TWO = {
    '0001_wallets.up.sql': 'create table wallets (id integer primary key);',
    '0001_wallets.down.sql': 'drop table wallets;',
    '0002_wallet_names.up.sql': 'alter table wallets add column name text;',
    '0002_wallet_names.down.sql': 'alter table wallets drop column name;',
  };

  async function cli(args: string[], sets: MigrationSet[]) {
    const lines: string[] = [];
    const code = await runMigrationCli(args, db, sets, (line) => {
      lines.push(line);
    });
    return { code, lines };
  }

  it('runs up, status and down over several sets, printing what it did', async () => {
    const [first, second] = [freshSchema(), freshSchema()];
    const dir = migrationDir(TWO);
    const sets = [setFrom(first, dir), setFrom(second, dir)];

    expect(await cli(['status'], sets)).toEqual({
      code: 0,
      lines: [
        `${first}\t0001_wallets\tpending`,
        `${first}\t0002_wallet_names\tpending`,
        `${second}\t0001_wallets\tpending`,
        `${second}\t0002_wallet_names\tpending`,
      ],
    });
    expect(await cli(['up'], sets)).toEqual({
      code: 0,
      lines: [`${first}: applied 0001_wallets, 0002_wallet_names`, `${second}: applied 0001_wallets, 0002_wallet_names`],
    });
    expect(await cli(['up'], sets)).toEqual({ code: 0, lines: [`${first}: up to date`, `${second}: up to date`] });

    const status = await cli(['status'], sets);
    expect(status.code).toBe(0);
    expect(status.lines).toHaveLength(4);
    for (const line of status.lines) expect(line).toMatch(/^mig_[0-9a-f]+\t000[12]_wallet\w*\tapplied\t\d{4}-\d{2}-\d{2}T[\d:.]+Z$/);

    // Down walks the sets in reverse: the later set may depend on the earlier one.
    expect(await cli(['down'], sets)).toEqual({
      code: 0,
      lines: [`${second}: rolled back 0002_wallet_names`, `${first}: rolled back 0002_wallet_names`],
    });
    expect(await cli(['down', '5'], sets)).toEqual({
      code: 0,
      lines: [`${second}: rolled back 0001_wallets`, `${first}: rolled back 0001_wallets`],
    });
    expect(await cli(['down'], sets)).toEqual({ code: 0, lines: [`${second}: nothing to roll back`, `${first}: nothing to roll back`] });
    expect(await tables(first)).toEqual(['schema_migrations']);
  });

  it('rolls back the number of steps it is given', async () => {
    const schema = freshSchema();
    const set = setFrom(schema, migrationDir(TWO));
    await migrateUp(db, set);
    expect(await cli(['down', '2'], [set])).toEqual({ code: 0, lines: [`${schema}: rolled back 0002_wallet_names, 0001_wallets`] });
  });

  it.each([['0'], ['-1'], ['two'], ['1.5']])('refuses down %s with exit code 2, touching nothing', async (steps) => {
    const schema = freshSchema();
    const set = setFrom(schema, migrationDir(TWO));
    await migrateUp(db, set);
    expect(await cli(['down', steps], [set])).toEqual({ code: 2, lines: [`down takes a positive number of steps, got "${steps}"`] });
    expect(versions(await history(schema))).toEqual([1, 2]);
  });

  it.each([[[]], [['sideways']], [['UP']]])('prints the usage and exits 2 for %j', async (args) => {
    const schema = freshSchema();
    const set = setFrom(schema, migrationDir(TWO));
    expect(await cli(args, [set])).toEqual({ code: 2, lines: ['usage: migrate up | down [n] | status'] });
    expect(await schemaExists(schema)).toBe(false);
  });

  it('lets a migration error escape for the caller to report', async () => {
    const schema = freshSchema();
    const dir = migrationDir(TWO);
    await migrateUp(db, setFrom(schema, dir));
    writeFileSync(path.join(dir, '0001_wallets.up.sql'), 'create table wallets (id bigint primary key);');
    await expect(cli(['up'], [setFrom(schema, dir)])).rejects.toBeInstanceOf(MigrationError);
  });
});
