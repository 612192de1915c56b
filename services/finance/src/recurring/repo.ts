import { sql, type Insertable, type Updateable } from 'kysely';
import { encodeCursor, newId, page, pastCursor, type TimeCursor } from '@expensio/common';
import type { FinanceDb, Frequency, RecurringRulesTable } from '../db.js';
import type { PauseWindow } from './schedule.js';
import { latestTodayOnEarth, userTodaySql } from '../users/time-zone.js';

export interface RuleRow {
  id: string;
  user_id: string;
  account_id: string;
  type: 'income' | 'expense';
  amount: bigint;
  currency: string;
  category_id: string | null;
  category_slug: string | null;
  description: string | null;
  merchant: string | null;
  tags: string[];
  frequency: Frequency;
  frequency_interval: number;
  start_date: string;
  end_date: string | null;
  occurrence_count: number | null;
  paused: boolean;
  next_index: number;
  next_date: string | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

// Dates are read as text: drivers turn a `date` into a Date at local midnight, which is not a
// calendar date.
function selectRules(db: FinanceDb) {
  return db
    .selectFrom('recurring_rules as r')
    .leftJoin('categories as c', 'c.id', 'r.category_id')
    .select([
      'r.id',
      'r.user_id',
      'r.account_id',
      'r.type',
      'r.amount',
      'r.currency',
      'r.category_id',
      'c.slug as category_slug',
      'r.description',
      'r.merchant',
      'r.tags',
      'r.frequency',
      'r.frequency_interval',
      sql<string>`r.start_date::text`.as('start_date'),
      sql<string | null>`r.end_date::text`.as('end_date'),
      'r.occurrence_count',
      'r.paused',
      'r.next_index',
      sql<string | null>`r.next_date::text`.as('next_date'),
      'r.last_error',
      'r.created_at',
      'r.updated_at',
    ]);
}

/**
 * Inserts the rule; answers false, writing nothing, when it tracks a subscription another rule of
 * the user already tracks (the unique index decides, also between racing requests).
 */
export async function insertRule(db: FinanceDb, row: Insertable<RecurringRulesTable>): Promise<boolean> {
  const inserted = await db
    .insertInto('recurring_rules')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'currency', 'subscription_key']).where('subscription_key', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findRule(db: FinanceDb, params: { userId: string; id: string; lock?: boolean }): Promise<RuleRow | undefined> {
  const query = selectRules(db).where('r.user_id', '=', params.userId).where('r.id', '=', params.id);
  // Waits for a scheduler posting this rule's occurrence, so a change never races a posting.
  return params.lock === true ? query.forUpdate('r').executeTakeFirst() : query.executeTakeFirst();
}

/** Newest first, paged by keyset on (created_at, id). */
export async function listRules(db: FinanceDb, params: { userId: string; cursor?: TimeCursor | undefined; limit: number }) {
  let query = selectRules(db).where('r.user_id', '=', params.userId);
  if (params.cursor) {
    const { at, id } = params.cursor;
    query = query.where((eb) => pastCursor(eb, ['r.created_at', 'r.id'], [at, id]));
  }
  const rows = await query
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(params.limit + 1)
    .execute();
  return page(rows, params.limit, (last) => encodeCursor({ at: last.created_at, id: last.id }));
}

export async function updateRule(db: FinanceDb, params: { userId: string; id: string; changes: Updateable<RecurringRulesTable>; now: Date }) {
  await db
    .updateTable('recurring_rules')
    .set({ ...params.changes, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .execute();
}

/** The transactions the rule posted stay; they only lose the link to it. */
export async function deleteRule(db: FinanceDb, params: { userId: string; id: string }): Promise<number> {
  const result = await db.deleteFrom('recurring_rules').where('user_id', '=', params.userId).where('id', '=', params.id).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function closedPauses(db: FinanceDb, ruleId: string): Promise<PauseWindow[]> {
  const rows = await db
    .selectFrom('recurring_pauses')
    .select([sql<string>`paused_on::text`.as('pausedOn'), sql<string>`resumed_on::text`.as('resumedOn')])
    .where('rule_id', '=', ruleId)
    .where('resumed_on', 'is not', null)
    .orderBy('paused_on')
    .execute();
  return rows;
}

export async function openPause(db: FinanceDb, params: { ruleId: string; on: string }) {
  await db.insertInto('recurring_pauses').values({ id: newId(), rule_id: params.ruleId, paused_on: params.on }).execute();
}

export async function closePause(db: FinanceDb, params: { ruleId: string; on: string }) {
  await db.updateTable('recurring_pauses').set({ resumed_on: params.on }).where('rule_id', '=', params.ruleId).where('resumed_on', 'is', null).execute();
}

/** Windows wholly before the cursor can no longer skip anything. */
export async function prunePauses(db: FinanceDb, params: { ruleId: string; before: string | null }) {
  let query = db.deleteFrom('recurring_pauses').where('rule_id', '=', params.ruleId).where('resumed_on', 'is not', null);
  if (params.before !== null) query = query.where('resumed_on', '<=', params.before);
  await query.execute();
}

// The scheduler works for every user at once: these select by rule, not by owner.

/**
 * Rules with an occurrence due on or before today as their user's clocks count it; failing rules
 * last, so they cannot crowd out the rest.
 */
export async function dueRuleIds(db: FinanceDb, params: { now: Date; limit: number }): Promise<string[]> {
  const rows = await db
    .selectFrom('recurring_rules')
    .select('id')
    // Written as the partial index's predicate, so the planner can use it; no zone's today is later.
    .where(sql<boolean>`not paused`)
    .where('next_date', '<=', latestTodayOnEarth(params.now))
    .where('next_date', '<=', userTodaySql('recurring_rules.user_id', params.now))
    .orderBy(sql`last_error is not null`)
    .orderBy('next_date')
    .orderBy('id')
    .limit(params.limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * The rule, locked until the caller's transaction ends, when it is still due. Another scheduler
 * instance holding it means it is being posted right now: skip it rather than queue behind it.
 */
export async function lockDueRule(db: FinanceDb, params: { id: string; now: Date }): Promise<RuleRow | undefined> {
  return selectRules(db)
    .where('r.id', '=', params.id)
    .where('r.paused', '=', false)
    .where('r.next_date', '<=', userTodaySql('r.user_id', params.now))
    .forUpdate('r')
    .skipLocked()
    .executeTakeFirst();
}

export async function moveCursor(db: FinanceDb, params: { id: string; nextIndex: number; nextDate: string | null; lastError: string | null; now: Date }) {
  await db
    .updateTable('recurring_rules')
    .set({ next_index: params.nextIndex, next_date: params.nextDate, last_error: params.lastError, updated_at: params.now })
    .where('id', '=', params.id)
    .execute();
}

export async function recordFailure(db: FinanceDb, params: { id: string; error: string }) {
  await db.updateTable('recurring_rules').set({ last_error: params.error }).where('id', '=', params.id).execute();
}

/** Texts shorter than this are compared whole only: "Tax" should not match inside every description. */
const MIN_CONTAINED_TEXT = 3;

/**
 * Links the transaction already in the account that is this occurrence, when there is one: the
 * same account, type and amount, not a transfer and not yet any rule's occurrence, inside the
 * window, and whose merchant or description is the rule's merchant or description (compared
 * without case), or whose description contains one of them. The closest to the date wins, then
 * the earliest recorded. Returns its id, or undefined when none matches (a rule with neither a
 * merchant nor a description never matches).
 */
export async function linkMatchingTransaction(
  db: FinanceDb,
  params: { rule: RuleRow; occurrenceDate: string; window: { from: Date; to: Date }; now: Date },
): Promise<string | undefined> {
  const { rule } = params;
  const texts = [rule.merchant, rule.description].map((text) => text?.trim().toLowerCase() ?? '').filter((text) => text !== '');
  if (texts.length === 0) return undefined;
  const candidate = await db
    .selectFrom('transactions')
    .select('id')
    .where('user_id', '=', rule.user_id)
    .where('account_id', '=', rule.account_id)
    .where('type', '=', rule.type)
    .where('amount', '=', rule.amount)
    .where('recurring_rule_id', 'is', null)
    .where('transfer_id', 'is', null)
    .where('occurred_at', '>=', params.window.from)
    .where('occurred_at', '<', params.window.to)
    .where((eb) =>
      eb.or(
        texts.flatMap((text) => [
          eb(sql`lower(merchant)`, '=', text),
          eb(sql`lower(description)`, '=', text),
          ...(text.length >= MIN_CONTAINED_TEXT ? [eb(sql<number>`strpos(lower(description), ${text})`, '>', 0)] : []),
        ]),
      ),
    )
    .orderBy(sql`abs(extract(epoch from occurred_at - ${params.occurrenceDate}::date::timestamp at time zone 'UTC'))`)
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  if (candidate === undefined) return undefined;
  const linked = await db
    .updateTable('transactions')
    .set({ recurring_rule_id: rule.id, occurrence_date: params.occurrenceDate, updated_at: params.now })
    .where('id', '=', candidate.id)
    .where('recurring_rule_id', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return linked?.id;
}
