import type { Scope } from '@expensio/common';
import type { IdentityDb } from '../db.js';

const VIEW_COLUMNS = ['id', 'name', 'scopes', 'created_at', 'expires_at', 'last_used_at'] as const;

export async function insertPat(
  db: IdentityDb,
  params: { id: string; userId: string; name: string; scopes: Scope[]; tokenHash: string; now: Date; expiresAt: Date },
) {
  return db
    .insertInto('personal_access_tokens')
    .values({
      id: params.id,
      user_id: params.userId,
      name: params.name,
      scopes: params.scopes,
      token_hash: params.tokenHash,
      created_at: params.now,
      expires_at: params.expiresAt,
    })
    .returning(VIEW_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function listPats(db: IdentityDb, params: { userId: string }) {
  return db.selectFrom('personal_access_tokens').select(VIEW_COLUMNS).where('user_id', '=', params.userId).orderBy('created_at').orderBy('id').execute();
}

/** Deletes one of the user's tokens; undefined when they have none by that id. */
export async function deletePat(db: IdentityDb, params: { userId: string; id: string }) {
  return db
    .deleteFrom('personal_access_tokens')
    .where('id', '=', params.id)
    .where('user_id', '=', params.userId)
    .returning(['id', 'expires_at'])
    .executeTakeFirst();
}

/** The token behind a hash, with what of its owner decides whether it may still be used. */
export async function findPatByHash(db: IdentityDb, tokenHash: string) {
  return db
    .selectFrom('personal_access_tokens as pat')
    .innerJoin('users', 'users.id', 'pat.user_id')
    .select(['pat.id', 'pat.user_id', 'pat.scopes', 'pat.expires_at', 'pat.last_used_at', 'users.role', 'users.locked_at'])
    .where('pat.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function touchPat(db: IdentityDb, params: { id: string; now: Date }) {
  await db.updateTable('personal_access_tokens').set({ last_used_at: params.now }).where('id', '=', params.id).execute();
}

export async function listUserPatExpiries(db: IdentityDb, params: { userId: string }) {
  return db.selectFrom('personal_access_tokens').select(['id', 'expires_at']).where('user_id', '=', params.userId).execute();
}

export async function deleteExpiredPats(db: IdentityDb, params: { before: Date }): Promise<number> {
  const result = await db.deleteFrom('personal_access_tokens').where('expires_at', '<=', params.before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
