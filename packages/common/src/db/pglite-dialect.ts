import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * PGlite has a single connection. Kysely assumes a pool, so each acquisition waits its turn:
 * a transaction holds the connection from BEGIN to COMMIT and nothing interleaves with it.
 */
class SingleConnectionLock {
  #tail: Promise<void> = Promise.resolve();
  /** Holders and waiters: the pool's "in use" and "waiting" for metrics. */
  #queued = 0;

  get queued(): number {
    return this.#queued;
  }

  acquire(): Promise<() => void> {
    let release!: () => void;
    this.#queued += 1;
    const next = new Promise<void>((resolve) => {
      release = () => {
        this.#queued -= 1;
        resolve();
      };
    });
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

/**
 * PGlite's errors carry the statement and its parameters (`query`, `params`, `queryOptions`),
 * which node-postgres's never do: a password hash or a webhook secret would ride along to
 * whatever logs or stores the error. Dropped here, so both databases fail the same way.
 */
function withoutStatement(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) {
    for (const field of ['query', 'params', 'queryOptions']) Reflect.deleteProperty(error, field);
  }
  return error;
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.#execute<R>(compiled);
    } catch (error) {
      throw withoutStatement(error);
    }
  }

  async #execute<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (compiled.parameters.length === 0) {
      // exec runs multi-statement scripts (migrations) through the simple protocol.
      const results = await this.pglite.exec(compiled.sql);
      const last = results.at(-1);
      return {
        rows: (last?.rows ?? []) as R[],
        ...(last?.affectedRows !== undefined && { numAffectedRows: BigInt(last.affectedRows) }),
      };
    }
    const result = await this.pglite.query<R>(compiled.sql, [...compiled.parameters]);
    return {
      rows: result.rows,
      ...(result.affectedRows !== undefined && { numAffectedRows: BigInt(result.affectedRows) }),
    };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not stream query results');
  }
}

class PGliteDriver implements Driver {
  readonly #connection: PGliteConnection;
  #release: (() => void) | undefined;

  constructor(
    private readonly pglite: PGlite,
    private readonly closeOnDestroy: boolean,
    readonly lock: SingleConnectionLock,
  ) {
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.lock.acquire();
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await connection.executeQuery(CompiledQuery.raw(`begin${isolation}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${name}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${name}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${name}`));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    if (this.closeOnDestroy && !this.pglite.closed) await this.pglite.close();
  }
}

export class PGliteDialect implements Dialect {
  readonly #lock = new SingleConnectionLock();

  constructor(
    private readonly pglite: PGlite,
    private readonly closeOnDestroy = true,
  ) {}

  /** The one connection as a pool of one: whether it is taken, and how many wait for it. */
  poolStats(): { size: number; inUse: number; waiting: number } {
    const queued = this.#lock.queued;
    return { size: 1, inUse: Math.min(queued, 1), waiting: Math.max(queued - 1, 0) };
  }

  createAdapter() {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.pglite, this.closeOnDestroy, this.#lock);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
