import { sql } from 'kysely';
import { newId } from '@expensio/common';
import type { IdentityDb } from '../db.js';

export async function findFactor(db: IdentityDb, userId: string) {
  return db.selectFrom('totp_factors').select(['secret_sealed', 'enabled_at', 'last_step']).where('user_id', '=', userId).executeTakeFirst();
}

/** A new secret waiting for its first code; an enabled one is never replaced this way. */
export async function savePendingFactor(db: IdentityDb, params: { userId: string; secretSealed: string; now: Date }): Promise<boolean> {
  const result = await db
    .insertInto('totp_factors')
    .values({ user_id: params.userId, secret_sealed: params.secretSealed, enabled_at: null, last_step: null, created_at: params.now })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({ secret_sealed: params.secretSealed, created_at: params.now, last_step: null })
        .where('totp_factors.enabled_at', 'is', null),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * Spends a time step: true only for a step later than any used before, decided in one statement so
 * two requests with the same code cannot both pass.
 */
export async function spendStep(db: IdentityDb, params: { userId: string; step: number; enable?: Date }): Promise<boolean> {
  const result = await db
    .updateTable('totp_factors')
    .set({ last_step: params.step, ...(params.enable && { enabled_at: params.enable }) })
    .where('user_id', '=', params.userId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', params.step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteFactor(db: IdentityDb, userId: string): Promise<void> {
  await db.deleteFrom('totp_backup_codes').where('user_id', '=', userId).execute();
  await db.deleteFrom('totp_factors').where('user_id', '=', userId).execute();
}

export async function replaceBackupCodes(db: IdentityDb, params: { userId: string; hashes: string[]; now: Date }): Promise<void> {
  await db.deleteFrom('totp_backup_codes').where('user_id', '=', params.userId).execute();
  await db
    .insertInto('totp_backup_codes')
    .values(params.hashes.map((hash) => ({ id: newId(), user_id: params.userId, code_hash: hash, used_at: null, created_at: params.now })))
    .execute();
}

/** Marks an unused code used; false when no such code is left. */
export async function spendBackupCode(db: IdentityDb, params: { userId: string; hash: string; now: Date }): Promise<boolean> {
  const result = await db
    .updateTable('totp_backup_codes')
    .set({ used_at: params.now })
    .where('user_id', '=', params.userId)
    .where('code_hash', '=', params.hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function countBackupCodesLeft(db: IdentityDb, userId: string): Promise<number> {
  const row = await db
    .selectFrom('totp_backup_codes')
    .select(sql<string>`count(*)`.as('left'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.left);
}
