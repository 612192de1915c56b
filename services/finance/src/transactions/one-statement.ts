import { sql } from 'kysely';
import { buildEnvelope, newId, outboxValues } from '@expensio/common';
import { findAccountRecord } from '../accounts/repo.js';
import { categoryForWrite } from '../categories/service.js';
import type { FinanceContext } from '../context.js';
import { FINANCE_SCHEMA } from '../db.js';
import { toMoodView } from '../moods/schemas.js';
import type { MoodFields } from '../moods/service.js';
import { ABANDONED_AFTER_MS } from '../shared/idempotency.js';
import { transactionSnapshot } from './events.js';
import { toTransactionView, type TransactionView } from './schemas.js';
import { buildTransaction, type TransactionInput, type WriteTarget } from './service.js';

const table = (name: string) => sql.table(`${FINANCE_SCHEMA}.${name}`);

async function writeTarget(ctx: FinanceContext, userId: string, accountId: string | undefined): Promise<WriteTarget | undefined> {
  const cached = ctx.writeTargets.get(userId, accountId);
  if (cached !== undefined) return cached;
  const account = await findAccountRecord(ctx.db, { userId, id: accountId });
  if (account === undefined || account.archived_at !== null) return undefined;
  const target = { id: account.id, currency: account.currency };
  ctx.writeTargets.set(userId, accountId, target);
  return target;
}

/**
 * The common create (an open account that exists, and for an expense no budget that it could move)
 * as ONE autocommitted statement: the Idempotency-Key claimed with its final answer, the row, its
 * mood and its `transaction.created` event, all or nothing. The answer is built before the write
 * (every value is known once the account and category are), which is what lets the key carry it.
 *
 * Answers undefined, having written nothing, whenever that statement is not the whole story: the
 * key was used before (replay, 422, 409), the account is missing, archived or no longer the
 * default, the currency differs, or a budget needs its thresholds checked under a lock. The caller
 * then takes the general path, which gives each of those its proper answer.
 */
export async function createInOneStatement(
  ctx: FinanceContext,
  userId: string,
  input: TransactionInput & { mood?: MoodFields | undefined },
  idempotency: { key: string; hash: string } | undefined,
): Promise<TransactionView | undefined> {
  const account = await writeTarget(ctx, userId, input.accountId);
  if (account === undefined || (input.currency !== undefined && input.currency !== account.currency)) return undefined;
  const category = input.category == null ? null : await categoryForWrite(ctx, ctx.db, userId, input.category);
  const { values, row, now } = buildTransaction(ctx, userId, account, category, input);
  const mood = input.mood && {
    id: newId(),
    user_id: userId,
    transaction_id: values.id,
    mood: input.mood.mood,
    intensity: input.mood.intensity,
    triggers: [...new Set(input.mood.triggers)],
    note: input.mood.note ?? null,
    created_at: now,
    updated_at: now,
  };
  const answer: TransactionView = { ...toTransactionView(row), ...(mood && { mood: toMoodView(mood) }) };
  const event = outboxValues(buildEnvelope('transaction.created', userId, transactionSnapshot(row), ctx.clock));

  const accountStillFits = sql`exists (
    select 1 from ${table('accounts')} a
    where a.id = ${account.id}::uuid and a.user_id = ${userId}::uuid and a.archived_at is null
      ${input.accountId === undefined ? sql`and a.is_default` : sql``})`;
  // Thresholds are checked under a lock on the budgets: a create that could cross one goes the general way.
  const noBudgetToCheck =
    values.type === 'expense'
      ? sql`and not exists (
          select 1 from ${table('budgets')} b
          where b.user_id = ${userId}::uuid and b.currency = ${values.currency}
            and (b.category_id is null or b.category_id = ${values.category_id}::uuid))`
      : sql``;
  const claim = idempotency
    ? sql`insert into ${table('idempotency_keys')} as k (user_id, key, request_hash, response_status, response_body, created_at, expires_at)
        select ${userId}::uuid, ${idempotency.key}, ${idempotency.hash}, 201, ${JSON.stringify(answer)}::jsonb, ${now}::timestamptz,
          ${new Date(now.getTime() + ctx.config.IDEMPOTENCY_TTL)}::timestamptz
        where ${accountStillFits} ${noBudgetToCheck}
        on conflict (user_id, key) do update set
          request_hash = excluded.request_hash, response_status = excluded.response_status, response_body = excluded.response_body,
          created_at = excluded.created_at, expires_at = excluded.expires_at
        where k.expires_at <= ${now}::timestamptz
          or (k.response_status is null and k.created_at < ${new Date(now.getTime() - ABANDONED_AFTER_MS)}::timestamptz)
        returning 1`
    : sql`select 1 where ${accountStillFits} ${noBudgetToCheck}`;
  const moodInsert = mood
    ? sql`, mood as (
        insert into ${table('transaction_moods')} (id, user_id, transaction_id, mood, intensity, triggers, note, created_at, updated_at)
        select ${mood.id}::uuid, ${userId}::uuid, id, ${mood.mood}, ${mood.intensity}::smallint, ${mood.triggers}::text[], ${mood.note},
          ${now}::timestamptz, ${now}::timestamptz
        from written)`
    : sql``;

  const result = await sql<{ written: number }>`
    with claim as (${claim}),
    written as (
      insert into ${table('transactions')}
        (id, user_id, account_id, type, amount, currency, category_id, description, merchant, occurred_at, tags, transfer_id, created_at, updated_at)
      select ${values.id}::uuid, ${userId}::uuid, ${account.id}::uuid, ${values.type}, ${values.amount}::bigint, ${values.currency},
        ${values.category_id}::uuid, ${values.description}, ${values.merchant}, ${values.occurred_at}::timestamptz, ${values.tags}::text[],
        null, ${now}::timestamptz, ${now}::timestamptz
      from claim
      returning id
    )${moodInsert},
    event as (
      insert into ${table('outbox')} (id, type, version, user_id, occurred_at, payload)
      select ${event.id}::uuid, ${event.type}, ${event.version}, ${userId}::uuid, ${event.occurred_at}::timestamptz, ${event.payload}::jsonb
      from written
    )
    select count(*)::int as written from written`.execute(ctx.db);

  if ((result.rows[0]?.written ?? 0) === 0) {
    ctx.writeTargets.forget(userId, input.accountId);
    return undefined;
  }
  ctx.bus.relay?.wake();
  return answer;
}
