import { createHash } from 'node:crypto';
import { ConflictError, UnprocessableError, ValidationError } from '@expensio/common';
import { sql, type RawBuilder, type Transaction } from 'kysely';
import { FINANCE_SCHEMA, type FinanceDb, type FinanceTables } from '../db.js';

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

/** The values a claim is made with, as the SQL of a claim reads them. */
export interface ClaimTerms<T> {
  userId: T;
  scope: T;
  key: T;
  hash: T;
  now: T;
  /** When a key taken now expires. */
  expiresAt: T;
  /** A pending key created before this belonged to a request that died. */
  abandonedBefore: T;
}

/** The terms of a claim by this request at `now`, as values. */
export function claimTerms(claim: Claim, hash: string, now: Date, ttlMs: number): ClaimTerms<unknown> {
  return {
    userId: claim.userId,
    scope: claim.scope,
    key: claim.key,
    hash,
    now,
    expiresAt: new Date(now.getTime() + ttlMs),
    abandonedBefore: new Date(now.getTime() - ABANDONED_AFTER_MS),
  };
}

type Terms = ClaimTerms<RawBuilder<unknown>>;

// Raw SQL is not rewritten by withSchema, so it names the schema itself.
const keys = sql.table(`${FINANCE_SCHEMA}.idempotency_keys`);

/**
 * The one definition of a claim, as a data-modifying statement (alone, or as a CTE of the
 * statement that also reads what the work needs): takes (user, operation, key) for this request,
 * also over an expired key or one abandoned by a request that died, and returns the key when it
 * did. A statement of its own, committed at once, so a duplicate arriving meanwhile sees the key
 * pending (409) rather than waiting for the work.
 */
export function claimSql(t: Terms): RawBuilder<{ key: string }> {
  return sql`insert into ${keys} as k (user_id, scope, key, request_hash, response_status, response_body, created_at, expires_at)
    values (${t.userId}, ${t.scope}, ${t.key}, ${t.hash}, null, null, ${t.now}, ${t.expiresAt})
    on conflict (user_id, scope, key) do update
      set request_hash = excluded.request_hash, response_status = null, response_body = null, created_at = excluded.created_at, expires_at = excluded.expires_at
      where k.expires_at <= ${t.now} or (k.response_status is null and k.created_at < ${t.abandonedBefore})
    returning k.key`;
}

/**
 * The key's row as the statement's snapshot sees it, as one json column named `key_seen` (null
 * when there is none, or only one a claim may take over: expired or abandoned).
 */
export function keySeenColumn(t: Terms): RawBuilder<KeySeen | string | null> {
  return sql`(select json_build_object('hash', s.request_hash, 'status', s.response_status, 'body', s.response_body) from ${keys} s
      where s.user_id = ${t.userId} and s.scope = ${t.scope} and s.key = ${t.key}
        and s.expires_at > ${t.now} and not (s.response_status is null and s.created_at < ${t.abandonedBefore})) as key_seen`;
}

/** A key already held, as keySeenColumn reads it. */
export interface KeySeen {
  hash: string;
  status: number | null;
  body: unknown;
}

// The embedded database hands json back as text.
export const keySeenOf = (value: KeySeen | string | null): KeySeen | null => (typeof value === 'string' ? (JSON.parse(value) as KeySeen) : value);

/**
 * What a request gets when its key is held already: the first answer again when it is the same
 * request, 422 `idempotency_key_reused` when the first request was another one, 409
 * `idempotency_in_progress` while the first is still running.
 */
export function replayOf(seen: KeySeen, hash: string): StoredResponse {
  if (seen.hash !== hash) throw new UnprocessableError('This Idempotency-Key was used with a different request', 'idempotency_key_reused');
  if (seen.status === null) throw new ConflictError('A request with this Idempotency-Key is still being processed', 'idempotency_in_progress');
  return { status: seen.status, body: seen.body };
}

const values = (terms: ClaimTerms<unknown>): Terms => ({
  userId: sql`${terms.userId}::uuid`,
  scope: sql`${terms.scope}::text`,
  key: sql`${terms.key}::text`,
  hash: sql`${terms.hash}::text`,
  now: sql`${terms.now}::timestamptz`,
  expiresAt: sql`${terms.expiresAt}::timestamptz`,
  abandonedBefore: sql`${terms.abandonedBefore}::timestamptz`,
});

/**
 * Claims the key for this request (answers undefined), or answers with the first request's
 * stored response (see replayOf): one statement.
 */
export async function claimOrReplay(db: FinanceDb, params: Claim & { hash: string; now: Date; ttlMs: number }): Promise<StoredResponse | undefined> {
  const t = values(claimTerms(params, params.hash, params.now, params.ttlMs));
  const { rows } = await sql<{ claimed: boolean; key_seen: KeySeen | string | null }>`
    with claimed as (${claimSql(t)}) select exists (select 1 from claimed) as claimed, ${keySeenColumn(t)}`.execute(db);
  const row = rows[0];
  if (row?.claimed === true) return undefined;
  const seen = keySeenOf(row?.key_seen ?? null);
  // Taken by a request that committed after this statement's snapshot: a rare race, settled by claiming again.
  if (seen === null) return claimOrReplay(db, params);
  return replayOf(seen, params.hash);
}

/**
 * For a request refused before it claimed its key (its body did not validate, say): the first
 * request's answer when this key is held (see replayOf), else undefined, and the refusal stands.
 * Claims nothing.
 */
export async function replayIfHeld(db: FinanceDb, params: Claim & { hash: string; now: Date; ttlMs: number }): Promise<StoredResponse | undefined> {
  const t = values(claimTerms(params, params.hash, params.now, params.ttlMs));
  const { rows } = await sql<{ key_seen: KeySeen | string | null }>`select ${keySeenColumn(t)}`.execute(db);
  const seen = keySeenOf(rows[0]?.key_seen ?? null);
  return seen === null ? undefined : replayOf(seen, params.hash);
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
