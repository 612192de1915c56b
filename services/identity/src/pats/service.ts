import {
  DAY_MS,
  MINUTE_MS,
  NotFoundError,
  UnauthorizedError,
  generatePersonalAccessToken,
  hashPersonalAccessToken,
  invalidPersonalAccessToken,
  jtiKey,
  newId,
  type AuthUser,
} from '@expensio/common';
import type { IdentityContext } from '../context.js';
import type { IdentityDb } from '../db.js';
import { deletePat, findPatByHash, insertPat, listPats, listUserPatExpiries, touchPat } from './repo.js';
import type { CreatePatInput } from './schemas.js';

/** `last_used_at` is written at most this often per token, so a busy script does not write on every call. */
const LAST_USED_RESOLUTION_MS = MINUTE_MS;

export async function createPat(ctx: IdentityContext, caller: AuthUser, input: CreatePatInput) {
  const now = ctx.clock.now();
  const token = generatePersonalAccessToken();
  const row = await insertPat(ctx.db, {
    id: newId(),
    userId: caller.id,
    name: input.name,
    scopes: [...new Set(input.scopes)],
    tokenHash: hashPersonalAccessToken(token),
    now,
    expiresAt: new Date(now.getTime() + input.expiresInDays * DAY_MS),
  });
  return { row, token };
}

export function listOwnPats(ctx: IdentityContext, caller: AuthUser) {
  return listPats(ctx.db, { userId: caller.id });
}

/**
 * Deleting the row stops the token in identity at once; the denylist entry stops it at once in
 * services running alone too, whose cached answer from identity would otherwise outlive it.
 */
export async function revokePat(ctx: IdentityContext, caller: AuthUser, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const deleted = await deletePat(trx, { userId: caller.id, id });
    if (!deleted) throw new NotFoundError('No such token', 'token_not_found');
    await ctx.revocations.deny([{ key: jtiKey(deleted.id), until: deleted.expires_at }], ctx.clock.now(), trx);
  });
}

/** For an account being erased: its tokens are refused by every service from the commit on. */
export async function denyUserPats(ctx: IdentityContext, userId: string, trx: IdentityDb): Promise<void> {
  const tokens = await listUserPatExpiries(trx, { userId });
  await ctx.revocations.deny(
    tokens.map((t) => ({ key: jtiKey(t.id), until: t.expires_at })),
    ctx.clock.now(),
    trx,
  );
}

/** The caller a well-formed `exp_pat_…` token stands for, in identity's own process. */
export async function resolvePat(ctx: IdentityContext, token: string): Promise<AuthUser> {
  const pat = await findPatByHash(ctx.db, hashPersonalAccessToken(token));
  if (!pat) throw invalidPersonalAccessToken();
  const now = ctx.clock.now();
  if (pat.expires_at.getTime() <= now.getTime()) throw new UnauthorizedError('The personal access token has expired', 'token_expired');
  if (pat.locked_at !== null) throw new UnauthorizedError('This account is locked', 'account_locked');
  if (pat.last_used_at === null || now.getTime() - pat.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
    await touchPat(ctx.db, { id: pat.id, now });
  }
  return { id: pat.user_id, role: pat.role, jti: pat.id, sid: pat.id, expiresAt: pat.expires_at, scopes: pat.scopes };
}
