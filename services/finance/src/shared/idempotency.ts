import { createHash } from 'node:crypto';
import { ConflictError, UnprocessableError, ValidationError } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { Transaction } from 'kysely';
import type { FinanceTables } from '../db.js';

export interface StoredResponse {
  status: number;
  body: unknown;
}

const KEY_RE = /^[\x21-\x7e]{1,255}$/;
/** A pending key older than this belonged to a request that died; its work never committed. */
export const ABANDONED_AFTER_MS = 60_000;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(body) ?? null)).digest('hex');
}

export function validKey(key: string | string[] | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY_RE.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1 to 255 visible ASCII characters', [
      { field: 'idempotency-key', in: 'headers', message: 'must be 1 to 255 visible ASCII characters', code: 'invalid_idempotency_key' },
    ]);
  }
  return key;
}

/** Claims (user, key) for this request, or answers from the first request with that key. */
async function claimOrReplay(ctx: FinanceContext, userId: string, key: string, hash: string): Promise<(StoredResponse & { replayed: true }) | undefined> {
  const now = ctx.clock.now();
  const claimed = await ctx.db
    .insertInto('idempotency_keys')
    .values({ user_id: userId, key, request_hash: hash, response_status: null, response_body: null, created_at: now, expires_at: new Date(now.getTime() + ctx.config.IDEMPOTENCY_TTL) })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'key'])
        .doUpdateSet({ request_hash: hash, response_status: null, response_body: null, created_at: now, expires_at: new Date(now.getTime() + ctx.config.IDEMPOTENCY_TTL) })
        .where((eb) =>
          eb.or([
            eb('idempotency_keys.expires_at', '<=', now),
            eb.and([eb('idempotency_keys.response_status', 'is', null), eb('idempotency_keys.created_at', '<', new Date(now.getTime() - ABANDONED_AFTER_MS))]),
          ]),
        ),
    )
    .returning('key')
    .executeTakeFirst();
  if (claimed) return undefined;

  const existing = await ctx.db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'response_status', 'response_body'])
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  if (existing.request_hash !== hash) throw new UnprocessableError('This Idempotency-Key was used with a different request body', 'idempotency_key_reused');
  if (existing.response_status === null) throw new ConflictError('A request with this Idempotency-Key is still being processed', 'idempotency_in_progress');
  return { status: existing.response_status, body: existing.response_body, replayed: true };
}

/** The work failed and wrote nothing: free the key so a corrected retry can use it. */
async function release(ctx: FinanceContext, userId: string, key: string) {
  await ctx.db.deleteFrom('idempotency_keys').where('user_id', '=', userId).where('key', '=', key).where('response_status', 'is', null).execute();
}

/**
 * Runs a create at most once per (user, key) for IDEMPOTENCY_TTL. The key is claimed in its own
 * short transaction, so a duplicate arriving meanwhile sees it pending (409) instead of waiting;
 * the answer is stored in the same transaction as the work, so a retry after a crash never
 * finds the work done but the key unanswered.
 */
export async function idempotent(
  ctx: FinanceContext,
  params: { userId: string; key: string | undefined; body: unknown },
  work: (trx: Transaction<FinanceTables>) => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  if (params.key === undefined) {
    return { ...(await ctx.db.transaction().execute(work)), replayed: false };
  }
  const { userId, key } = params;
  const replay = await claimOrReplay(ctx, userId, key, requestHash(params.body));
  if (replay) return replay;

  try {
    const response = await ctx.db.transaction().execute(async (trx) => {
      const result = await work(trx);
      await trx
        .updateTable('idempotency_keys')
        .set({ response_status: result.status, response_body: JSON.stringify(result.body) })
        .where('user_id', '=', userId)
        .where('key', '=', key)
        .execute();
      return result;
    });
    return { ...response, replayed: false };
  } catch (error) {
    await release(ctx, userId, key);
    throw error;
  }
}
