import type { IdentityDb } from '../db.js';

export async function insertSession(db: IdentityDb, params: { id: string; userId: string; now: Date; expiresAt: Date; ip: string; userAgent: string | null }) {
  await db
    .insertInto('sessions')
    .values({
      id: params.id,
      user_id: params.userId,
      created_at: params.now,
      expires_at: params.expiresAt,
      last_used_at: params.now,
      ip: params.ip,
      user_agent: params.userAgent?.slice(0, 512) ?? null,
    })
    .execute();
}

export async function insertRefreshToken(db: IdentityDb, params: { tokenHash: string; sessionId: string; now: Date }) {
  await db.insertInto('refresh_tokens').values({ token_hash: params.tokenHash, session_id: params.sessionId, created_at: params.now }).execute();
}

/** Locks the token row so two refreshes with the same token decide one after the other. */
export async function findRefreshTokenForUpdate(db: IdentityDb, tokenHash: string) {
  return db
    .selectFrom('refresh_tokens as t')
    .innerJoin('sessions as s', 's.id', 't.session_id')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      't.token_hash',
      't.spent_at',
      's.id as session_id',
      's.expires_at',
      's.revoked_at',
      'u.id as user_id',
      'u.email',
      'u.time_zone',
      'u.role',
      'u.locked_at',
    ])
    .where('t.token_hash', '=', tokenHash)
    .forUpdate('t')
    .executeTakeFirst();
}

/** Marks a token rotated; a token already spent keeps its first time, so its reuse interval never grows. */
export async function spendRefreshToken(db: IdentityDb, params: { tokenHash: string; now: Date }) {
  await db.updateTable('refresh_tokens').set({ spent_at: params.now }).where('token_hash', '=', params.tokenHash).where('spent_at', 'is', null).execute();
}

export async function touchSession(db: IdentityDb, params: { sessionId: string; now: Date }) {
  await db.updateTable('sessions').set({ last_used_at: params.now }).where('id', '=', params.sessionId).execute();
}

export async function findSessionOwner(db: IdentityDb, params: { tokenHash: string }) {
  return db
    .selectFrom('refresh_tokens as t')
    .innerJoin('sessions as s', 's.id', 't.session_id')
    .select(['s.id as session_id', 's.user_id'])
    .where('t.token_hash', '=', params.tokenHash)
    .executeTakeFirst();
}

/** Revokes sessions still open; returns the ids so their access tokens can be denied too. */
export async function revokeSessions(
  db: IdentityDb,
  params: { userId: string; sessionIds?: string[]; exceptSessionId?: string; reason: string; now: Date },
): Promise<string[]> {
  let query = db
    .updateTable('sessions')
    .set({ revoked_at: params.now, revoked_reason: params.reason })
    .where('user_id', '=', params.userId)
    .where('revoked_at', 'is', null);
  if (params.sessionIds !== undefined) {
    if (params.sessionIds.length === 0) return [];
    query = query.where('id', 'in', params.sessionIds);
  }
  if (params.exceptSessionId !== undefined) query = query.where('id', '!=', params.exceptSessionId);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id);
}

/** Open sessions that may still have access tokens out: not revoked, and not ended before `endedAfter`. */
export async function listOpenSessionIds(db: IdentityDb, params: { userId: string; endedAfter: Date }): Promise<string[]> {
  const rows = await db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', params.userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', params.endedAfter)
    .execute();
  return rows.map((r) => r.id);
}
