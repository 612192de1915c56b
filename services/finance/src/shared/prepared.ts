import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import type { Database } from '@expensio/common';
import type { FinanceDb } from '../db.js';

/** Stands for a named value in a statement compiled once; replaced by the value on each run. */
export class Slot<V> {
  constructor(readonly name: keyof V & string) {}
}

/** A named value with its SQL type, as a statement's text holds it. */
export function slotOf<V, T = unknown>(slot: Slot<V>, type: string): RawBuilder<T> {
  return sql<T>`${slot}::${sql.raw(type)}`;
}

/**
 * A statement of the hot path whose text is built by Kysely once and then run, by name, as a
 * prepared statement on PostgreSQL: every run sends only the values (`database.prepare`).
 */
export class PreparedStatement<V> {
  #text: string | undefined;
  #slots: (keyof V & string)[] = [];

  constructor(
    readonly name: string,
    private readonly build: (db: FinanceDb) => CompiledQuery,
  ) {}

  async run<R>(database: Database, db: FinanceDb, values: V): Promise<R[]> {
    if (this.#text === undefined) {
      const query = this.build(db);
      this.#slots = query.parameters.map((p) => {
        if (!(p instanceof Slot)) throw new Error(`statement ${this.name} has a value that is not a slot`);
        return p.name as keyof V & string;
      });
      this.#text = query.sql;
      database.prepare(this.name, this.#text);
    }
    const result = await db.executeQuery<R>(
      CompiledQuery.raw(
        this.#text,
        this.#slots.map((slot) => values[slot]),
      ),
    );
    return result.rows;
  }
}
