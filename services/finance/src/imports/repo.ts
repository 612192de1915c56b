import { sql } from 'kysely';
import { FINANCE_SCHEMA, type FinanceDb } from '../db.js';
import type { ImportRow } from './rows.js';
import type { Risk } from '../risk/score.js';

export type ImportBatchRow = ImportRow & { id: string; risk: Risk };

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

/** Each category's name by id, for the words of the fraud score's reasons. */
export async function categoryNames(db: FinanceDb, userId: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('categories')
    .select(['id', 'name'])
    .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', userId)]))
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

// Raw SQL is not rewritten by withSchema, so the statement names the schema itself.
const transactionsTable = sql.table(`${FINANCE_SCHEMA}.transactions`);

/**
 * Inserts a batch in one statement and returns the ids written. The rows travel as one
 * JSON document of short keys (json_to_recordset): one parameter whatever the batch holds.
 *
 * What makes a row a duplicate is defined here, once: the same account, UTC day, type, amount and
 * description as a transaction the account has. Imported rows carry that as a fingerprint (md5 of
 * those fields, the description last so no separator inside it can make two rows collide), and
 * the unique index skips an earlier import's row or an earlier row of this file; a transaction
 * made by hand (fingerprint null) is matched by the not-exists test.
 */
export async function insertImportBatch(
  db: FinanceDb,
  params: { userId: string; accountId: string; currency: string; now: Date; rows: ImportBatchRow[] },
): Promise<string[]> {
  const { rows } = params;
  if (rows.length === 0) return [];
  const payload = JSON.stringify(
    rows.map((r) => ({
      i: r.id,
      t: r.type,
      a: r.amount.toString(),
      c: r.categoryId,
      d: r.description,
      m: r.merchant,
      o: r.occurredAt.toISOString(),
      g: r.tags,
      rs: r.risk.score,
      rl: r.risk.level,
      rr: r.risk.reasons,
      rf: r.risk.flagged,
    })),
  );
  const now = params.now.toISOString();
  const result = await sql<{ id: string }>`
    insert into ${transactionsTable}
      (id, user_id, account_id, type, amount, currency, category_id, description, merchant, occurred_at, tags, transfer_id, created_at, updated_at, import_fingerprint,
       risk_score, risk_level, risk_reasons, risk_flagged)
    select v.i, ${params.userId}::uuid, ${params.accountId}::uuid, v.t, v.a, ${params.currency}, v.c, v.d, v.m, v.o, v.g, null,
           ${now}::timestamptz, ${now}::timestamptz,
           md5(${params.accountId}::text || '|' || to_char(v.o at time zone 'UTC', 'YYYY-MM-DD') || '|' || v.t || '|' || v.a::text || '|' || coalesce(v.d, '')),
           v.rs, v.rl, v.rr, v.rf
    from json_to_recordset(${payload}::json) as v(i uuid, t text, a bigint, c uuid, d text, m text, o timestamptz, g text[], rs smallint, rl text, rr jsonb, rf boolean)
    where not exists (
      select 1 from ${transactionsTable} t
      where t.user_id = ${params.userId}::uuid
        and t.occurred_at >= date_trunc('day', v.o, 'UTC') and t.occurred_at < date_trunc('day', v.o, 'UTC') + interval '1 day'
        and t.account_id = ${params.accountId}::uuid
        and t.import_fingerprint is null
        and t.type = v.t and t.amount = v.a and t.description is not distinct from v.d
    )
    on conflict (import_fingerprint) do nothing
    returning id
  `.execute(db);
  return result.rows.map((r) => r.id);
}
