import type { IdentityDb } from '../db.js';
import type { CodePurpose as Purpose } from './purposes.js';

/** A new code replaces any open one for the same purpose. */
export async function replaceChallenge(db: IdentityDb, params: { id: string; userId: string; purpose: Purpose; codeHash: string; now: Date; expiresAt: Date }) {
  await db
    .updateTable('otp_challenges')
    .set({ consumed_at: params.now })
    .where('user_id', '=', params.userId)
    .where('purpose', '=', params.purpose)
    .where('consumed_at', 'is', null)
    .execute();
  await db
    .insertInto('otp_challenges')
    .values({
      id: params.id,
      user_id: params.userId,
      purpose: params.purpose,
      code_hash: params.codeHash,
      attempts: 0,
      expires_at: params.expiresAt,
      created_at: params.now,
    })
    .execute();
}

export async function findOpenChallengeForUpdate(db: IdentityDb, params: { userId: string; purpose: Purpose }) {
  return db
    .selectFrom('otp_challenges')
    .select(['id', 'code_hash', 'attempts', 'expires_at'])
    .where('user_id', '=', params.userId)
    .where('purpose', '=', params.purpose)
    .where('consumed_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
}

export async function recordWrongCode(db: IdentityDb, params: { id: string; attempts: number; voidNow: boolean; now: Date }) {
  await db
    .updateTable('otp_challenges')
    .set({ attempts: params.attempts, ...(params.voidNow && { consumed_at: params.now }) })
    .where('id', '=', params.id)
    .execute();
}

export async function consumeChallenge(db: IdentityDb, params: { id: string; now: Date }) {
  await db.updateTable('otp_challenges').set({ consumed_at: params.now }).where('id', '=', params.id).execute();
}

export async function deleteStaleChallenges(db: IdentityDb, before: Date): Promise<number> {
  const result = await db.deleteFrom('otp_challenges').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
