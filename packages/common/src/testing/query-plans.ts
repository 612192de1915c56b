import { CompiledQuery, sql, type Kysely } from 'kysely';

/** A view of `db` that records every query it runs, compiled as the database receives it. */
export function recordQueries<DB>(db: Kysely<DB>): { db: Kysely<DB>; queries: CompiledQuery[] } {
  const queries: CompiledQuery[] = [];
  const recording = db.withPlugin({
    transformQuery: (args) => {
      queries.push(db.getExecutor().compileQuery(args.node, args.queryId));
      return args.node;
    },
    transformResult: (args) => Promise.resolve(args.result),
  });
  return { db: recording, queries };
}

/**
 * The plan PostgreSQL picks for a query when an index scan in order is its first choice: with the
 * few rows a test holds a sequential or bitmap scan and a sort would win, which says nothing about
 * what an index can bound on a real ledger.
 */
export async function explainQuery<DB>(db: Kysely<DB>, query: CompiledQuery): Promise<string> {
  return db.connection().execute(async (connection) => {
    await sql`set enable_seqscan = off`.execute(connection);
    await sql`set enable_bitmapscan = off`.execute(connection);
    try {
      const result = await connection.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]));
      return result.rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await sql`reset enable_seqscan`.execute(connection);
      await sql`reset enable_bitmapscan`.execute(connection);
    }
  });
}

/**
 * The plan lines that use a value (EXPLAIN prints parameters inline): for a keyset page, each line
 * naming the cursor should be an `Index Cond`, the scan's bound, never a `Filter` after it.
 */
export function planLinesWith(plan: string, value: string): string[] {
  return plan
    .split('\n')
    .filter((line) => line.includes(value))
    .map((line) => line.trim());
}
