import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql, type Transaction } from 'kysely';
import type { AnyKysely } from './connect.js';

export interface Migration {
  version: number;
  name: string;
  up: string;
  down: string;
  checksum: string;
}

export interface MigrationSet {
  /** The PostgreSQL schema the migrations build and the history table lives in. */
  schema: string;
  migrations: Migration[];
}

export interface MigrationStatus {
  version: number;
  name: string;
  state: 'applied' | 'pending' | 'drifted' | 'missing';
  appliedAt: Date | null;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$/;
const SCHEMA_RE = /^[a-z_][a-z0-9_]*$/;

/**
 * What an applied migration's history row records: its text, line endings and outer whitespace
 * aside. Changing it would make every existing install see its whole history as edited.
 */
export function migrationChecksum(up: string, down: string): string {
  const normalise = (text: string) => text.replaceAll('\r\n', '\n').trim();
  return createHash('sha256').update(normalise(up)).update('\0').update(normalise(down)).digest('hex');
}

/** Reads `NNNN_intent.up.sql` / `NNNN_intent.down.sql` pairs; a half pair is a mistake, not a skip. */
export function loadMigrations(dir: string): Migration[] {
  const pairs = new Map<number, { name: string; up?: string; down?: string }>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_RE.exec(file);
    if (!match) continue;
    const [, versionText = '', name = '', direction] = match;
    const version = Number(versionText);
    const entry = pairs.get(version) ?? { name };
    if (entry.name !== name) throw new MigrationError(`Two migrations share version ${versionText}: ${entry.name} and ${name}`);
    entry[direction === 'up' ? 'up' : 'down'] = readFileSync(path.join(dir, file), 'utf8');
    pairs.set(version, entry);
  }
  return [...pairs.entries()]
    .sort(([a], [b]) => a - b)
    .map(([version, { name, up, down }]) => {
      if (up === undefined || down === undefined) {
        throw new MigrationError(`Migration ${String(version).padStart(4, '0')}_${name} needs both an .up.sql and a .down.sql file`);
      }
      return { version, name, up, down, checksum: migrationChecksum(up, down) };
    });
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
}

async function prepare(trx: Transaction<unknown>, schema: string): Promise<AppliedRow[]> {
  if (!SCHEMA_RE.test(schema)) throw new MigrationError(`Invalid schema name "${schema}"`);
  // Held until commit: a second instance starting at the same moment waits here, then finds
  // the work done.
  await sql`select pg_advisory_xact_lock(hashtext(${`expensio.migrate.${schema}`}))`.execute(trx);
  await sql.raw(`create schema if not exists ${schema}`).execute(trx);
  await sql
    .raw(
      `create table if not exists ${schema}.schema_migrations (
         version integer primary key,
         name text not null,
         checksum text not null,
         applied_at timestamptz not null default now()
       )`,
    )
    .execute(trx);
  await sql.raw(`set local search_path to ${schema}, public`).execute(trx);
  const result = await sql<AppliedRow>`select version, name, checksum, applied_at from schema_migrations order by version`.execute(trx);
  return result.rows;
}

function verifyHistory(applied: AppliedRow[], known: Migration[]) {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  for (const row of applied) {
    const migration = byVersion.get(row.version);
    const label = `${String(row.version).padStart(4, '0')}_${row.name}`;
    if (!migration) throw new MigrationError(`Applied migration ${label} has no file: the code is older than the database`);
    if (migration.checksum !== row.checksum) {
      throw new MigrationError(`Migration ${label} was edited after it was applied (checksum differs); write a new migration instead`);
    }
  }
}

/** Applies every pending migration in one transaction: all of them land, or none does. */
export async function migrateUp(db: AnyKysely, set: MigrationSet): Promise<Migration[]> {
  return db.transaction().execute(async (trx) => {
    const applied = await prepare(trx, set.schema);
    verifyHistory(applied, set.migrations);
    const done = new Set(applied.map((r) => r.version));
    const pending = set.migrations.filter((m) => !done.has(m.version));
    for (const migration of pending) {
      await sql.raw(migration.up).execute(trx);
      await sql`insert into schema_migrations (version, name, checksum) values (${migration.version}, ${migration.name}, ${migration.checksum})`.execute(trx);
    }
    return pending;
  });
}

/** Rolls back the newest `steps` applied migrations, newest first, in one transaction. */
export async function migrateDown(db: AnyKysely, set: MigrationSet, steps = 1): Promise<Migration[]> {
  if (!Number.isInteger(steps) || steps < 1) throw new MigrationError(`Steps must be a positive integer, got ${steps}`);
  return db.transaction().execute(async (trx) => {
    const applied = await prepare(trx, set.schema);
    verifyHistory(applied, set.migrations);
    const byVersion = new Map(set.migrations.map((m) => [m.version, m]));
    const targets = applied
      .slice(-steps)
      .reverse()
      .map((row) => byVersion.get(row.version))
      .filter((m): m is Migration => m !== undefined);
    for (const migration of targets) {
      await sql.raw(migration.down).execute(trx);
      await sql`delete from schema_migrations where version = ${migration.version}`.execute(trx);
    }
    return targets;
  });
}

export async function migrationStatus(db: AnyKysely, set: MigrationSet): Promise<MigrationStatus[]> {
  return db.transaction().execute(async (trx) => {
    const applied = new Map((await prepare(trx, set.schema)).map((r) => [r.version, r]));
    const rows: MigrationStatus[] = set.migrations.map((m) => {
      const row = applied.get(m.version);
      applied.delete(m.version);
      if (!row) return { version: m.version, name: m.name, state: 'pending', appliedAt: null };
      return { version: m.version, name: m.name, state: row.checksum === m.checksum ? 'applied' : 'drifted', appliedAt: row.applied_at };
    });
    for (const row of applied.values()) {
      rows.push({ version: row.version, name: row.name, state: 'missing', appliedAt: row.applied_at });
    }
    return rows.sort((a, b) => a.version - b.version);
  });
}
