import { createHash, randomBytes } from 'node:crypto';
import { newId, UnauthorizedError, type Role } from '@expensio/common';
import type { IdentityContext, RequestOrigin } from '../context.js';
import type { IdentityDb } from '../db.js';
import { recordAndAlert } from '../security/alerts.js';
import { observeSignIn, recordSignIn } from '../security/sign-ins.js';
import { signAccessToken } from './access.js';
import { jtiKey, sidKey } from './revocations.js';
import { findRefreshTokenForUpdate, insertRefreshToken, insertSession, revokeSessions, spendRefreshToken, touchSession } from './sessions-repo.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshTokenExpiresAt: Date;
}

/** Refresh tokens are stored only as a hash: a database leak yields nothing to replay. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

async function pairFor(
  ctx: IdentityContext,
  user: { id: string; role: Role },
  sessionId: string,
  refreshToken: string,
  sessionExpiresAt: Date,
): Promise<TokenPair> {
  const now = ctx.clock.now();
  const access = await signAccessToken(
    ctx.keys,
    { issuer: ctx.config.JWT_ISSUER, audience: ctx.config.JWT_AUDIENCE, ttlMs: ctx.config.ACCESS_TOKEN_TTL },
    { userId: user.id, role: user.role, sessionId },
    now,
  );
  return {
    accessToken: access.token,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: Math.round(ctx.config.ACCESS_TOKEN_TTL / 1000),
    refreshTokenExpiresAt: sessionExpiresAt,
  };
}

export interface StartedSession {
  sessionId: string;
  tokens: TokenPair;
}

/** Opens a session (a refresh-token family) with an absolute lifetime that rotation never extends. */
export async function startSession(
  ctx: IdentityContext,
  user: { id: string; role: Role },
  origin: RequestOrigin,
  db: IdentityDb = ctx.db,
): Promise<StartedSession> {
  const now = ctx.clock.now();
  const sessionId = newId();
  const expiresAt = new Date(now.getTime() + ctx.config.REFRESH_TOKEN_TTL);
  const refreshToken = newRefreshToken();
  await insertSession(db, { id: sessionId, userId: user.id, now, expiresAt, ip: origin.ip, userAgent: origin.userAgent });
  await insertRefreshToken(db, { tokenHash: hashToken(refreshToken), sessionId, now });
  return { sessionId, tokens: await pairFor(ctx, user, sessionId, refreshToken, expiresAt) };
}

type RotateOutcome =
  | { kind: 'rotated'; user: { id: string; role: Role }; sessionId: string; refreshToken: string; expiresAt: Date }
  | { kind: 'reused'; sessionId: string }
  | { kind: 'invalid' };

/**
 * A spent token presented within `REFRESH_REUSE_INTERVAL` of its rotation is the same client racing
 * itself (two tabs refreshing at once), not a copy: it is answered rather than treated as theft.
 */
function inReuseInterval(spentAt: Date, now: Date, intervalMs: number): boolean {
  return now.getTime() - spentAt.getTime() < intervalMs;
}

/**
 * Spends a refresh token and issues the next one. A spent token presented again after the reuse
 * interval means it was copied: the whole family is revoked, the thief's copy and the owner's alike.
 * Within the interval it gets a pair of its own in the same family (only hashes are stored, so the
 * first successor cannot be handed out again); both pairs stay valid and die with the family.
 */
export async function rotateRefreshToken(ctx: IdentityContext, refreshToken: string, origin: RequestOrigin): Promise<TokenPair> {
  const now = ctx.clock.now();
  const tokenHash = hashToken(refreshToken);
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<RotateOutcome> => {
    const row = await findRefreshTokenForUpdate(trx, tokenHash);
    if (!row) return { kind: 'invalid' };
    if (row.spent_at !== null && !inReuseInterval(row.spent_at, now, ctx.config.REFRESH_REUSE_INTERVAL)) {
      const user = { id: row.user_id, email: row.email, time_zone: row.time_zone };
      await recordSignIn(ctx, trx, {
        user,
        observation: await observeSignIn(ctx, user, origin, trx),
        method: 'refresh',
        outcome: 'failure',
        sessionId: row.session_id,
      });
      if (row.revoked_at === null) {
        await revokeSessions(trx, { userId: row.user_id, sessionIds: [row.session_id], reason: 'refresh_token_reused', now });
        await recordAndAlert(ctx, trx, {
          userId: row.user_id,
          type: 'refresh.reused',
          severity: 'critical',
          origin,
          details: { sessionId: row.session_id },
          message:
            'A sign-in token was used twice, which means a copy of it exists; that session was signed out. If you did not expect this, change your password.',
          now,
        });
      }
      return { kind: 'reused', sessionId: row.session_id };
    }
    if (row.revoked_at !== null || row.expires_at.getTime() <= now.getTime() || row.locked_at !== null) return { kind: 'invalid' };
    const next = newRefreshToken();
    // The session's absolute expiry is untouched either way, and a reuse inside the interval leaves
    // the first rotation time as it is, so the interval cannot be stretched by using it.
    await spendRefreshToken(trx, { tokenHash, now });
    await insertRefreshToken(trx, { tokenHash: hashToken(next), sessionId: row.session_id, now });
    await touchSession(trx, { sessionId: row.session_id, now });
    const user = { id: row.user_id, email: row.email, time_zone: row.time_zone };
    await recordSignIn(ctx, trx, {
      user,
      observation: await observeSignIn(ctx, user, origin, trx),
      method: 'refresh',
      outcome: 'success',
      sessionId: row.session_id,
    });
    return { kind: 'rotated', user: { id: row.user_id, role: row.role }, sessionId: row.session_id, refreshToken: next, expiresAt: row.expires_at };
  });
  switch (outcome.kind) {
    case 'rotated':
      return pairFor(ctx, outcome.user, outcome.sessionId, outcome.refreshToken, outcome.expiresAt);
    case 'reused':
      await denySessions(ctx, [outcome.sessionId]);
      throw new UnauthorizedError('This refresh token was already used; the session has been ended for safety', 'refresh_token_reused');
    case 'invalid':
      throw new UnauthorizedError('The refresh token is not valid', 'invalid_refresh_token');
  }
}

/**
 * Access tokens already handed out for these sessions stop working now, not at their expiry.
 * Given the transaction of the change that ends them, the denial commits with it (PostgreSQL mode).
 */
export async function denySessions(ctx: IdentityContext, sessionIds: string[], db?: IdentityDb) {
  const now = ctx.clock.now();
  const until = new Date(now.getTime() + ctx.config.ACCESS_TOKEN_TTL);
  await ctx.revocations.deny(
    sessionIds.map((id) => ({ key: sidKey(id), until })),
    now,
    db,
  );
}

export async function endSessions(
  ctx: IdentityContext,
  params: { userId: string; sessionIds?: string[]; exceptSessionId?: string; reason: string },
  db: IdentityDb = ctx.db,
): Promise<number> {
  const ended = await revokeSessions(db, { ...params, now: ctx.clock.now() });
  await denySessions(ctx, ended, db);
  return ended.length;
}

export async function denyAccessToken(ctx: IdentityContext, token: { jti: string; expiresAt: Date }, db?: IdentityDb) {
  await ctx.revocations.deny([{ key: jtiKey(token.jti), until: token.expiresAt }], ctx.clock.now(), db);
}
