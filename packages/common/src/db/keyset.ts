import { sql, type Expression, type ExpressionBuilder, type SqlBool, type StringReference } from 'kysely';
import { ValidationError } from '../errors/index.js';
import { isUuid } from '../ids.js';

/** Where a list ordered by (a moment, id) stopped: the last row of the page the client saw. */
export interface TimeCursor {
  at: Date;
  id: string;
}

/** Opaque to clients, so the sort key can change without breaking their links. */
export function encodeCursor(cursor: TimeCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id])).toString('base64url');
}

/**
 * Years 1-9999 only: JavaScript dates reach far past what PostgreSQL's timestamptz takes (year 0,
 * BC years, the six-digit `+275760-…` that toISOString writes), and such a value sent as a
 * parameter fails in the database, a 500 for what is only a tampered cursor.
 */
function inDatabaseRange(at: Date): boolean {
  const year = at.getUTCFullYear();
  return !Number.isNaN(at.getTime()) && year >= 1 && year <= 9999;
}

/** The `cursor` query field back to a position; anything this API did not hand out is a 400. */
export function decodeCursor(text: string): TimeCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const at = new Date(value[0]);
      if (inDatabaseRange(at) && isUuid(value[1])) return { at, id: value[1] };
    }
  } catch {
    // Falls through to the 400 below.
  }
  throw new ValidationError('cursor is not a cursor from this API', [
    { field: 'cursor', in: 'querystring', message: 'is not a valid cursor', code: 'invalid_cursor' },
  ]);
}

/**
 * The rows past a cursor in a list ordered by `columns` (all descending, or all ascending), as a
 * row comparison: `(occurred_at, id) < ($1, $2)` is an index bound, so the scan starts at the
 * cursor. The equivalent `a < x or (a = x and id < y)` is a filter over every row before it.
 */
export function pastCursor<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  columns: readonly [StringReference<DB, TB>, ...StringReference<DB, TB>[]],
  values: readonly unknown[],
  order: 'asc' | 'desc' = 'desc',
): Expression<SqlBool> {
  if (values.length !== columns.length) throw new Error(`A cursor over ${columns.length} columns needs ${columns.length} values`);
  const left = sql.join(columns.map((column) => eb.ref(column)));
  const right = sql.join(values.map((value) => sql`${value}`));
  return sql<SqlBool>`(${left}) ${sql.raw(order === 'desc' ? '<' : '>')} (${right})`;
}

export interface Page<T> {
  rows: T[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** Cuts rows fetched with `limit(limit + 1)` to a page; the extra row only says another page exists. */
export function page<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return { rows: shown, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
