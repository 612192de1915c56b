import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { lockDataDir, type DataDirLock } from './lock.js';
import { PGliteDialect } from './pglite-dialect.js';

/** bigint columns hold money in minor units: they must never pass through a float. */
const parseInt8 = (value: string) => BigInt(value);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKysely = Kysely<any>;

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly kysely: AnyKysely;
  /**
   * Runs a compiled statement as a named prepared statement on PostgreSQL: each connection parses
   * and plans it once, and later runs send only the parameters. For a hot statement that is long
   * (a chain of CTEs), that saves most of the bytes on the wire and the server's planning. The
   * name must always go with the same text. On PGlite it runs as any other query.
   */
  prepared<R>(name: string, query: CompiledQuery): Promise<R[]>;
  /**
   * From now on, every run of a statement with exactly this text is a named prepared statement
   * on PostgreSQL, through Kysely too and inside a transaction. The name must always go with the
   * same text. Nothing changes on PGlite.
   */
  prepare(name: string, text: string): void;
  ping(): Promise<void>;
  /** The pool as metrics report it: connections held, checked out, and callers waiting for one. */
  poolStats(): PoolStats;
  close(): Promise<void>;
}

export interface PoolStats {
  size: number;
  inUse: number;
  waiting: number;
}

export interface DatabaseOptions {
  /** A postgres:// URL; without it the embedded PGlite is used. */
  url?: string | undefined;
  /** Where the embedded database keeps its files; `memory://` keeps nothing. */
  dataDir: string;
  poolSize?: number;
}

function wrap(
  kind: Database['kind'],
  kysely: AnyKysely,
  options: { pool?: pg.Pool; names?: Map<string, string>; lock?: DataDirLock; poolStats: () => PoolStats },
): Database {
  const { pool, names, lock } = options;
  return {
    kind,
    kysely,
    poolStats: options.poolStats,
    prepare: (name, text) => {
      if (names !== undefined && !names.has(text)) names.set(text, name);
    },
    prepared: async <R>(name: string, query: CompiledQuery) => {
      if (pool === undefined) return (await kysely.executeQuery<R>(query)).rows;
      return (await pool.query<R & pg.QueryResultRow>({ name, text: query.sql, values: [...query.parameters] })).rows;
    },
    ping: async () => {
      await sql`select 1`.execute(kysely);
    },
    close: async () => {
      try {
        await kysely.destroy();
      } finally {
        lock?.release();
      }
    },
  };
}

/** How long a request waits for a database connection before it is refused. */
const CONNECT_TIMEOUT_MS = 5_000;

export function openPostgres(url: string, poolSize = 10): Database {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, parseInt8);
  // Without a connect timeout a request waits forever on a database that drops packets; with it
  // the request fails fast and is answered 503 (see isDependencyUnavailable).
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // Statement text → name, for the statements registered with `prepare`: Kysely sends text and
  // parameters, and a registered text goes out under its name instead.
  const names = new Map<string, string>();
  // An idle client dropped by the server (restart, failover) must not crash the process: the pool
  // replaces it, and the next query reports the outage through the normal error path.
  pool.on('error', (err) => {
    process.emitWarning(`PostgreSQL pool client error: ${err.message}`);
  });
  return wrap('postgres', new Kysely({ dialect: new PostgresDialect({ pool: namingPool(pool, names) }) }), {
    pool,
    names,
    poolStats: () => ({ size: pool.totalCount, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
  });
}

/** The pool as Kysely sees it: its clients send a registered statement text under its name. */
function namingPool(pool: pg.Pool, names: Map<string, string>): pg.Pool {
  const watched = new WeakSet<pg.PoolClient>();
  const connect = async () => {
    const client = await pool.connect();
    if (!watched.has(client)) {
      watched.add(client);
      // The pool stops listening to a client while it is checked out: a connection dropped then
      // (mid-transaction) would be an uncaught 'error' event and crash the process. The query in
      // flight still fails with it, and the pool discards the client when it is released.
      client.on('error', (err) => {
        process.emitWarning(`PostgreSQL connection lost while in use: ${err.message}`);
      });
    }
    return new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
        return (text: unknown, values?: unknown[]) => {
          const name = typeof text === 'string' ? names.get(text) : undefined;
          if (name !== undefined) return target.query({ name, text: text as string, values });
          // Anything else (plain text, a cursor) goes through untouched.
          return (target.query as (...args: unknown[]) => unknown).call(target, text, values);
        };
      },
    });
  };
  return new Proxy(pool, {
    get(target, property, receiver) {
      return property === 'connect' ? connect : (Reflect.get(target, property, receiver) as unknown);
    },
  });
}

export async function openPglite(options: { dataDir?: string; loadDataDir?: Blob }): Promise<Database> {
  let lock: DataDirLock | undefined;
  if (options.dataDir !== undefined && !options.dataDir.startsWith('memory://')) {
    mkdirSync(options.dataDir, { recursive: true });
    // Two processes on one folder each keep their own view of it and one side's writes are lost:
    // refuse before PGlite reads a single file.
    lock = lockDataDir(options.dataDir);
  }
  try {
    const pglite = await PGlite.create({
      ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
      ...(options.loadDataDir !== undefined && { loadDataDir: options.loadDataDir }),
      parsers: { [pgliteTypes.INT8]: parseInt8 },
    });
    const dialect = new PGliteDialect(pglite);
    return wrap('pglite', new Kysely({ dialect }), { lock, poolStats: () => dialect.poolStats() });
  } catch (error) {
    lock?.release();
    throw error;
  }
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url !== undefined) return openPostgres(options.url, options.poolSize);
  const dataDir = options.dataDir.startsWith('memory://') ? options.dataDir : path.resolve(options.dataDir, 'pglite');
  return openPglite({ dataDir });
}

/** A service's view of the shared database: every unqualified table resolves in its schema. */
export function forSchema<DB>(database: Database, schema: string): Kysely<DB> {
  return database.kysely.withSchema(schema) as Kysely<DB>;
}
