import { sql } from 'kysely';
import { FINANCE_SCHEMA, type FinanceDb } from '../db.js';
import type { CategoryRef, ImportRow } from './rows.js';
import type { Risk } from '../risk/score.js';

/** A row about to be written: its id, and its fingerprint (null for a twin imported on purpose). */
export type ImportBatchRow = ImportRow & { id: string; fingerprint: string | null; risk: Risk };

/**
 * Every category the user sees by lower-cased slug, id and display name: the map a whole file is
 * checked against. A slug or id wins over a name; of two categories with one name, the user's own
 * wins over a default one.
 */
export async function categoryRefs(db: FinanceDb, userId: string): Promise<Map<string, CategoryRef>> {
  const rows = await db
    .selectFrom('categories')
    .select(['id', 'slug', 'name', 'kind', 'user_id'])
    .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', userId)]))
    .orderBy(sql`user_id is null`)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const refs = new Map<string, CategoryRef>();
  for (const row of rows) {
    const ref: CategoryRef = { id: row.id, slug: row.slug, kind: row.kind };
    refs.set(row.slug.toLowerCase(), ref);
    refs.set(row.id.toLowerCase(), ref);
  }
  for (const row of rows) {
    const name = row.name.trim().toLowerCase();
    if (!refs.has(name)) refs.set(name, { id: row.id, slug: row.slug, kind: row.kind });
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

export interface ExistingTwin {
  transactionId: string;
  /** Found by its fingerprint (an earlier import's row), not by its fields (a row made another way). */
  fingerprinted: boolean;
}

/**
 * For each fingerprint, the account's transaction the row repeats: an imported one by its
 * fingerprint (the unique index), or one made another way (fingerprint null) by the same day in
 * the user's time zone, type, amount and description. A bank file's date alone is midnight in that
 * zone, so a UTC day would miss a card payment entered by hand that afternoon east of Greenwich.
 * The rows travel as one JSON document (json_to_recordset): one parameter whatever the batch holds.
 */
export async function findExistingTwins(
  db: FinanceDb,
  params: { userId: string; accountId: string; timeZone: string; rows: { fingerprint: string; row: ImportRow }[] },
): Promise<Map<string, ExistingTwin>> {
  const found = new Map<string, ExistingTwin>();
  if (params.rows.length === 0) return found;
  const payload = JSON.stringify(
    params.rows.map(({ fingerprint, row }) => ({ f: fingerprint, t: row.type, a: row.amount.toString(), d: row.description, o: row.occurredAt.toISOString() })),
  );
  const result = await sql<{ f: string; by_fingerprint: string | null; by_fields: string | null }>`
    select v.f,
      (select t.id from ${transactionsTable} t where t.import_fingerprint = v.f collate "C" and t.user_id = ${params.userId}::uuid) as by_fingerprint,
      (select t.id from ${transactionsTable} t
        where t.user_id = ${params.userId}::uuid
          and t.occurred_at >= date_trunc('day', v.o at time zone ${params.timeZone}::text) at time zone ${params.timeZone}::text
          and t.occurred_at < (date_trunc('day', v.o at time zone ${params.timeZone}::text) + interval '1 day') at time zone ${params.timeZone}::text
          and t.account_id = ${params.accountId}::uuid
          and t.import_fingerprint is null
          and t.type = v.t and t.amount = v.a and t.description is not distinct from v.d
        order by t.created_at, t.id
        limit 1) as by_fields
    from json_to_recordset(${payload}::json) as v(f text, t text, a bigint, d text, o timestamptz)
  `.execute(db);
  for (const row of result.rows) {
    if (row.by_fingerprint !== null) found.set(row.f, { transactionId: row.by_fingerprint, fingerprinted: true });
    else if (row.by_fields !== null) found.set(row.f, { transactionId: row.by_fields, fingerprinted: false });
  }
  return found;
}

/**
 * Inserts a batch in one statement and returns the ids written. A row whose fingerprint another
 * import wrote meanwhile (a concurrent request with the same file) is skipped by the unique index,
 * and missing from the answer.
 */
export async function insertImportBatch(
  db: FinanceDb,
  params: { userId: string; accountId: string; currency: string; now: Date; rows: ImportBatchRow[] },
): Promise<Set<string>> {
  const { rows } = params;
  if (rows.length === 0) return new Set();
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
      f: r.fingerprint,
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
           ${now}::timestamptz, ${now}::timestamptz, v.f,
           v.rs, v.rl, v.rr, v.rf
    from json_to_recordset(${payload}::json) as v(i uuid, t text, a bigint, c uuid, d text, m text, o timestamptz, g text[], f text, rs smallint, rl text, rr jsonb, rf boolean)
    on conflict (import_fingerprint) do nothing
    returning id
  `.execute(db);
  return new Set(result.rows.map((r) => r.id));
}
