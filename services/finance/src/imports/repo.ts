import { sql } from 'kysely';
import { FINANCE_SCHEMA, type FinanceDb } from '../db.js';

export interface ImportBatchRow {
  id: string;
  type: 'income' | 'expense';
  amount: bigint;
  occurredAt: Date;
  /** Midnight UTC of the row's day. */
  dayStart: Date;
  categoryId: string | null;
  description: string | null;
  merchant: string | null;
  tags: string[];
  fingerprint: string;
}

/** Slug and id of every category the user sees, lower-cased: the map a whole file is checked against. */
export async function categoryRefs(db: FinanceDb, userId: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('categories')
    .select(['id', 'slug'])
    .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', userId)]))
    .execute();
  const refs = new Map<string, string>();
  for (const row of rows) {
    refs.set(row.slug.toLowerCase(), row.id);
    refs.set(row.id.toLowerCase(), row.id);
  }
  return refs;
}

// Raw SQL is not rewritten by withSchema, so the statement names the schema itself.
const transactionsTable = sql.table(`${FINANCE_SCHEMA}.transactions`);

/** `{a,"b c"}`: a text[] literal, so tags travel as one text value per row in the batch. */
function textArrayLiteral(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/**
 * Inserts a batch in one statement and returns how many rows were written. One array per column
 * (unnest) keeps the statement the same size whatever the batch holds. A row is skipped when its
 * fingerprint exists (an earlier import, or an earlier row of this file) or when a transaction
 * made by hand matches it: same account, UTC day, type, amount and description.
 */
export async function insertImportBatch(
  db: FinanceDb,
  params: { userId: string; accountId: string; currency: string; now: Date; rows: ImportBatchRow[] },
): Promise<number> {
  const { rows } = params;
  if (rows.length === 0) return 0;
  const result = await sql`
    insert into ${transactionsTable}
      (id, user_id, account_id, type, amount, currency, category_id, description, merchant, occurred_at, tags, transfer_id, created_at, updated_at, import_fingerprint)
    select v.id, ${params.userId}::uuid, ${params.accountId}::uuid, v.type, v.amount, ${params.currency}, v.category_id, v.description, v.merchant,
           v.occurred_at, v.tags::text[], null, ${params.now.toISOString()}::timestamptz, ${params.now.toISOString()}::timestamptz, v.fingerprint
    from unnest(
      ${rows.map((r) => r.id)}::uuid[],
      ${rows.map((r) => r.type)}::text[],
      ${rows.map((r) => r.amount.toString())}::bigint[],
      ${rows.map((r) => r.categoryId)}::uuid[],
      ${rows.map((r) => r.description)}::text[],
      ${rows.map((r) => r.merchant)}::text[],
      ${rows.map((r) => r.occurredAt.toISOString())}::timestamptz[],
      ${rows.map((r) => textArrayLiteral(r.tags))}::text[],
      ${rows.map((r) => r.fingerprint)}::text[],
      ${rows.map((r) => r.dayStart.toISOString())}::timestamptz[]
    ) as v(id, type, amount, category_id, description, merchant, occurred_at, tags, fingerprint, day_start)
    where not exists (
      select 1 from ${transactionsTable} t
      where t.user_id = ${params.userId}::uuid
        and t.occurred_at >= v.day_start and t.occurred_at < v.day_start + interval '1 day'
        and t.account_id = ${params.accountId}::uuid
        and t.import_fingerprint is null
        and t.type = v.type and t.amount = v.amount and t.description is not distinct from v.description
    )
    on conflict (import_fingerprint) do nothing
  `.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
