import type { FinanceDb } from '../db.js';

/** The account's saved mapping as stored (JSON), or undefined. */
export async function findSavedMapping(
  db: FinanceDb,
  params: { userId: string; accountId: string },
): Promise<{ mapping: unknown; updatedAt: Date } | undefined> {
  const row = await db
    .selectFrom('import_mappings')
    .select(['mapping', 'updated_at'])
    .where('user_id', '=', params.userId)
    .where('account_id', '=', params.accountId)
    .executeTakeFirst();
  return row && { mapping: row.mapping, updatedAt: row.updated_at };
}

export async function upsertSavedMapping(db: FinanceDb, params: { userId: string; accountId: string; mapping: unknown; now: Date }): Promise<void> {
  const mapping = JSON.stringify(params.mapping);
  await db
    .insertInto('import_mappings')
    .values({ account_id: params.accountId, user_id: params.userId, mapping, created_at: params.now, updated_at: params.now })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ mapping, updated_at: params.now }))
    .execute();
}

export async function deleteSavedMapping(db: FinanceDb, params: { userId: string; accountId: string }): Promise<void> {
  await db.deleteFrom('import_mappings').where('user_id', '=', params.userId).where('account_id', '=', params.accountId).execute();
}
