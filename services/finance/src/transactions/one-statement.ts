import { CompiledQuery } from 'kysely';
import { buildEnvelope, newId, outboxValues } from '@expensio/common';
import { categoryForWrite } from '../categories/service.js';
import type { FinanceContext } from '../context.js';
import { toMoodView } from '../moods/schemas.js';
import type { MoodFields } from '../moods/service.js';
import { ABANDONED_AFTER_MS } from '../shared/idempotency.js';
import { transactionSnapshot } from './events.js';
import { toTransactionView, type TransactionView } from './schemas.js';
import { buildTransaction, type TransactionInput } from './service.js';

/** Stands in for the account id until the statement knows it; never written (see below). */
const ACCOUNT_TO_COME = '00000000-0000-0000-0000-000000000000';

/**
 * The common create (an open account in the expected currency, and for an expense no budget it
 * could move) as ONE autocommitted statement: the account found, the Idempotency-Key claimed with
 * its final answer, the row, its mood and its `transaction.created` event, all or nothing.
 *
 * The answer and the event are built before the write, from every value but the account's id;
 * the statement adds that id to both (`|| jsonb_build_object('accountId', ...)`). The account's
 * currency, which the amount's decimals depend on, is the one named in the body, else the one
 * this account had before (remembered per user), else DEFAULT_CURRENCY; the statement writes
 * only if the account really holds it.
 *
 * Answers undefined, having written nothing, whenever that statement is not the whole story: the
 * key was used before (replay, 422, 409), the account is missing, archived or in another currency,
 * a budget needs its thresholds checked under a lock, or the amount does not fit the guessed
 * currency. The caller then takes the general path, which gives each case its proper answer.
 */
export async function createInOneStatement(
  ctx: FinanceContext,
  userId: string,
  input: TransactionInput & { mood?: MoodFields | undefined },
  idempotency: { key: string; hash: string } | undefined,
): Promise<TransactionView | undefined> {
  const currency = input.currency ?? ctx.accountCurrencies.get(userId, input.accountId) ?? ctx.config.DEFAULT_CURRENCY;
  const category = input.category == null ? null : await categoryForWrite(ctx, ctx.db, userId, input.category);
  let built;
  try {
    built = buildTransaction(ctx, userId, { id: input.accountId ?? ACCOUNT_TO_COME, currency }, category, input);
  } catch (error) {
    if (input.currency !== undefined) throw error;
    return undefined; // The guessed currency may be wrong; the general path reads the account's.
  }
  const { values, row, now } = built;
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

  // Written as text with numbered parameters, not through Kysely: this runs on every create, and
  // its text depends only on which parts are present (one prepared statement per shape).
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${String(params.length)}`;
  };
  const [user, at, cur] = [`${p(userId)}::uuid`, `${p(now)}::timestamptz`, p(currency)];
  const accountMatch = input.accountId === undefined ? 'a.is_default' : `a.id = ${p(input.accountId)}::uuid`;
  // Thresholds are checked under a lock on the budgets: a create that could cross one goes the general way.
  const noBudgetToCheck =
    values.type === 'expense'
      ? `not exists (select 1 from finance.budgets b where b.user_id = ${user} and b.currency = ${cur}
          and (b.category_id is null or b.category_id = ${p(values.category_id)}::uuid))`
      : 'true';
  const claim = idempotency
    ? `insert into finance.idempotency_keys as k (user_id, key, request_hash, response_status, response_body, created_at, expires_at)
        select ${user}, ${p(idempotency.key)}, ${p(idempotency.hash)}, 201,
          ${p(JSON.stringify(answer))}::jsonb || jsonb_build_object('accountId', account.id), ${at},
          ${p(new Date(now.getTime() + ctx.config.IDEMPOTENCY_TTL))}::timestamptz
        from account where ${noBudgetToCheck}
        on conflict (user_id, key) do update set
          request_hash = excluded.request_hash, response_status = excluded.response_status, response_body = excluded.response_body,
          created_at = excluded.created_at, expires_at = excluded.expires_at
        where k.expires_at <= ${at}
          or (k.response_status is null and k.created_at < ${p(new Date(now.getTime() - ABANDONED_AFTER_MS))}::timestamptz)
        returning 1`
    : `select 1 from account where ${noBudgetToCheck}`;
  const moodInsert = mood
    ? `, mood as (
        insert into finance.transaction_moods (id, user_id, transaction_id, mood, intensity, triggers, note, created_at, updated_at)
        select ${p(mood.id)}::uuid, ${user}, id, ${p(mood.mood)}, ${p(mood.intensity)}::smallint, ${p(mood.triggers)}::text[], ${p(mood.note)},
          ${at}, ${at}
        from written)`
    : '';
  const text = `
    with account as (
      select a.id from finance.accounts a where a.user_id = ${user} and a.archived_at is null and a.currency = ${cur} and ${accountMatch}
    ),
    claim as (${claim}),
    written as (
      insert into finance.transactions
        (id, user_id, account_id, type, amount, currency, category_id, description, merchant, occurred_at, tags, transfer_id, created_at, updated_at)
      select ${p(values.id)}::uuid, ${user}, account.id, ${p(values.type)}, ${p(values.amount)}::bigint, ${cur},
        ${p(values.category_id)}::uuid, ${p(values.description)}, ${p(values.merchant)}, ${p(values.occurred_at)}::timestamptz, ${p(values.tags)}::text[],
        null, ${at}, ${at}
      from account, claim
      returning id, account_id
    )${moodInsert},
    event as (
      insert into finance.outbox (id, type, version, user_id, occurred_at, payload)
      select ${p(event.id)}::uuid, ${p(event.type)}, ${p(event.version)}, ${user}, ${p(event.occurred_at)}::timestamptz,
        ${p(event.payload)}::jsonb || jsonb_build_object('accountId', written.account_id)
      from written
    )
    select account_id from written`;
  const shape = `${idempotency ? 'k' : 'n'}${mood ? 'm' : 'n'}${values.type === 'expense' ? 'e' : 'i'}${input.accountId === undefined ? 'd' : 'a'}`;
  const rows = await ctx.database.prepared<{ account_id: string }>(`finance_create_${shape}`, CompiledQuery.raw(text, params));

  const accountId = rows[0]?.account_id;
  if (accountId === undefined) return undefined;
  ctx.bus.relay?.wake();
  return { ...answer, accountId };
}
