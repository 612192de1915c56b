import { createHash } from 'node:crypto';
import { ConflictError, UnprocessableError, ValidationError } from '@expensio/common';
import type { Transaction } from 'kysely';
import type { FinanceDb, FinanceTables } from '../db.js';

/**
 * The operations that honour Idempotency-Key. A key is per user AND per operation: the same key
 * sent to two of them is two keys (as Stripe scopes a key to one account and one request).
 */
export type IdempotentOperation = 'transactions.create' | 'transactions.import' | 'accounts.transfer' | 'transfers.link' | 'goals.contribute' | 'debts.pay';

/** The first answer to a request, as a retry receives it again. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** Called last inside the transaction of the work, with its result: stores the answer with the work. */
export type Answer<R> = (trx: Transaction<FinanceTables>, result: R) => Promise<void>;

/** A key this request holds: its answer is stored with its work, or the key is released. */
export interface Claim {
  userId: string;
  scope: IdempotentOperation;
  key: string;
}

const KEY_RE = /^[\x21-\x7e]{1,255}$/;
/** A pending key older than this belonged to a request that died; its work never committed. */
export const ABANDONED_AFTER_MS = 60_000;

export function validKey(key: string | string[] | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY_RE.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1 to 255 visible ASCII characters', [
      { field: 'idempotency-key', in: 'headers', message: 'must be 1 to 255 visible ASCII characters', code: 'invalid_idempotency_key' },
    ]);
  }
  return key;
}

/**
 * What makes two requests "the same": the path they were sent to (a goal's id is in it) and the
 * body's bytes as they arrived, before any parsing. So a retry must resend the same bytes, and
 * any other body (even one that would be refused) is another request: 422, never a 400 or 404.
 */
export function requestHash(path: string, body: Buffer): string {
  return createHash('sha256').update(path).update('\n').update(body).digest('hex');
}

/**
 * The one definition of a claim: takes (user, operation, key) for this request, also over an
 * expired key or one abandoned by a request that died; answers whether it did. Its own short
 * statement, committed at once, so a duplicate arriving meanwhile sees the key pending (409)
 * rather than waiting for the work.
 */
async function takeKey(db: FinanceDb, claim: Claim, hash: string, now: Date, ttlMs: number): Promise<boolean> {
  const fresh = { request_hash: hash, response_status: null, response_body: null, created_at: now, expires_at: new Date(now.getTime() + ttlMs) };
  const taken = await db
    .insertInto('idempotency_keys')
    .values({ user_id: claim.userId, scope: claim.scope, key: claim.key, ...fresh })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'scope', 'key'])
        .doUpdateSet(fresh)
        .where((eb) =>
          eb.or([
            eb('idempotency_keys.expires_at', '<=', now),
            eb.and([eb('idempotency_keys.response_status', 'is', null), eb('idempotency_keys.created_at', '<', new Date(now.getTime() - ABANDONED_AFTER_MS))]),
          ]),
        ),
    )
    .returning('key')
    .executeTakeFirst();
  return taken !== undefined;
}

function keyOf(claim: Claim) {
  return (db: FinanceDb | Transaction<FinanceTables>) =>
    db.selectFrom('idempotency_keys').where('user_id', '=', claim.userId).where('scope', '=', claim.scope).where('key', '=', claim.key);
}

/**
 * Claims the key for this request (answers undefined), or answers with the first request's
 * stored response. 422 `idempotency_key_reused` when the first request was another one; 409
 * `idempotency_in_progress` while the first is still running.
 */
export async function claimOrReplay(db: FinanceDb, params: Claim & { hash: string; now: Date; ttlMs: number }): Promise<StoredResponse | undefined> {
  const claim = { userId: params.userId, scope: params.scope, key: params.key };
  if (await takeKey(db, claim, params.hash, params.now, params.ttlMs)) return undefined;
  const existing = await keyOf(claim)(db).select(['request_hash', 'response_status', 'response_body']).executeTakeFirst();
  // Released or expired between the two statements: a rare race, settled by claiming again.
  if (existing === undefined) return claimOrReplay(db, params);
  if (existing.request_hash !== params.hash) throw new UnprocessableError('This Idempotency-Key was used with a different request', 'idempotency_key_reused');
  if (existing.response_status === null) throw new ConflictError('A request with this Idempotency-Key is still being processed', 'idempotency_in_progress');
  return { status: existing.response_status, body: existing.response_body };
}

/** Stores the answer inside the transaction of the work, so the work never commits unanswered. */
export async function storeResponse(trx: Transaction<FinanceTables>, claim: Claim, response: StoredResponse): Promise<void> {
  await trx
    .updateTable('idempotency_keys')
    .set({ response_status: response.status, response_body: JSON.stringify(response.body) })
    .where('user_id', '=', claim.userId)
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .execute();
}

/** The request failed and its work wrote nothing: the key is free again for a corrected retry. */
export async function releaseKey(db: FinanceDb, claim: Claim): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('user_id', '=', claim.userId)
    .where('scope', '=', claim.scope)
    .where('key', '=', claim.key)
    .where('response_status', 'is', null)
    .execute();
}
