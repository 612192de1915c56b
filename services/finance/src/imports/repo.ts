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

/**
 * Inserts a batch in one statement and returns how many rows were written. The rows travel as one
 * JSON document (json_to_recordset): one parameter whatever the batch holds, serialised natively
 * on both sides. A row is skipped when its fingerprint exists (an earlier import, or an earlier
 * row of this file) or when a transaction made by hand matches it: same account, UTC day, type,
 * amount and description.
 */
export async function insertImportBatch(
  db: FinanceDb,
  params: { userId: string; accountId: string; currency: string; now: Date; rows: ImportBatchRow[] },
): Promise<number> {
  const { rows } = params;
  if (rows.length === 0) return 0;
  const payload = JSON.stringify(
    rows.map((r) => ({
      id: r.id,
      type: r.type,
      amount: r.amount.toString(),
      category_id: r.categoryId,
      description: r.description,
      merchant: r.merchant,
      occurred_at: r.occurredAt.toISOString(),
      day_start: r.dayStart.toISOString(),
      tags: r.tags,
      fingerprint: r.fingerprint,
    })),
  );
  const now = params.now.toISOString();
  const result = await sql`
    insert into ${transactionsTable}
      (id, user_id, account_id, type, amount, currency, category_id, description, merchant, occurred_at, tags, transfer_id, created_at, updated_at, import_fingerprint)
    select v.id, ${params.userId}::uuid, ${params.accountId}::uuid, v.type, v.amount, ${params.currency}, v.category_id, v.description, v.merchant,
           v.occurred_at, v.tags, null, ${now}::timestamptz, ${now}::timestamptz, v.fingerprint
    from json_to_recordset(${payload}::json) as v(
      id uuid, type text, amount bigint, category_id uuid, description text, merchant text,
      occurred_at timestamptz, day_start timestamptz, tags text[], fingerprint text
    )
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
