import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { openPglite, openPostgres, type Database } from '../db/connect.js';
import { PGliteDialect } from '../db/pglite-dialect.js';
import { migrateUp, type MigrationSet } from '../db/migrations.js';

/**
 * Test databases come from one migrated original, never from a shared database truncated between
 * files: PGlite loads a snapshot (a fresh one costs seconds), PostgreSQL clones a template.
 */
export interface TestDatabaseSource {
  kind: 'pglite' | 'postgres';
  /** The snapshot file (pglite) or the template database name (postgres). */
  location: string;
  /** The server URL whose database part is replaced per test file (postgres only). */
  serverUrl?: string;
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** One statement on the server's administrative database, on a connection of its own (create or drop a database). */
export async function adminQuery(serverUrl: string, statement: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Every fast test file loads this snapshot (untarred into memory, then PostgreSQL started on it),
 * some several times, so it is kept small and quick to start. Production's databases keep PGlite's
 * defaults; the code under test sees none of this.
 * - 1 MB WAL segments: the default 16 MB segment was over a third of the snapshot.
 * - No template0 and template1: only CREATE DATABASE reads them, and no test creates one in PGlite.
 * - 16 MB of shared buffers instead of 128 MB: setting up the pool was much of a start's CPU, and
 *   a test's database is a few MB.
 */
export async function preparePgliteSnapshot(sets: MigrationSet[], file: string): Promise<TestDatabaseSource> {
  const pglite = await PGlite.create({ initDbStartParams: ['--wal-segsize=1'] });
  const db = new Kysely({ dialect: new PGliteDialect(pglite, false) });
  for (const set of sets) await migrateUp(db, set);
  for (const template of ['template0', 'template1']) {
    await sql`alter database ${sql.id(template)} is_template false`.execute(db);
    await sql`drop database ${sql.id(template)}`.execute(db);
  }
  await sql`alter system set shared_buffers = '16MB'`.execute(db);
  await sql`checkpoint`.execute(db);
  const dump = await pglite.dumpDataDir('none');
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
  return { kind: 'pglite', location: file };
}

export async function preparePostgresTemplate(sets: MigrationSet[], serverUrl: string): Promise<TestDatabaseSource> {
  const template = `expensio_template_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${template}`);
  const pool = new pg.Pool({ connectionString: databaseUrl(serverUrl, template), max: 1 });
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  try {
    for (const set of sets) await migrateUp(db, set);
  } finally {
    await db.destroy();
  }
  return { kind: 'postgres', location: template, serverUrl };
}

export async function dropPostgresTemplate(source: TestDatabaseSource) {
  if (source.kind === 'postgres' && source.serverUrl !== undefined) {
    await adminQuery(source.serverUrl, `drop database if exists ${source.location} with (force)`);
  }
}

const CLOSE_BOUND_MS = 20_000;

export async function openTestDatabaseFrom(source: TestDatabaseSource): Promise<Database & { url?: string }> {
  if (source.kind === 'pglite') {
    const snapshot = await readFile(source.location);
    return openPglite({ loadDataDir: new Blob([snapshot]) });
  }
  const serverUrl = source.serverUrl ?? '';
  const name = `expensio_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${name} template ${source.location}`);
  const url = databaseUrl(serverUrl, name);
  const database = openPostgres(url, 5);
  return {
    ...database,
    url,
    close: async () => {
      // A pool whose client a test left checked out never finishes ending: past this bound the
      // forced drop below ends that backend, and the leak is named on stderr instead of hanging
      // the file's teardown.
      let bound: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        database.close().then(() => true),
        new Promise<false>((resolve) => {
          bound = setTimeout(() => {
            resolve(false);
          }, CLOSE_BOUND_MS);
        }),
      ]);
      clearTimeout(bound);
      if (!ended) {
        process.stderr.write(`test database ${name}: a connection was still checked out after ${String(CLOSE_BOUND_MS)} ms; dropping it by force\n`);
        await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
        return;
      }
      // pg's Pool.end() resolves before its sockets have closed. `with (force)` at once would
      // terminate those backends, and the FATAL they send back surfaces as an uncaught pool error
      // in the test file. A plain drop waits (up to 5 s) for them to go; force is the fallback
      // for a connection a test leaked.
      try {
        await adminQuery(serverUrl, `drop database if exists ${name}`);
      } catch {
        await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
      }
    },
  };
}
