import { NotFoundError, UnprocessableError, addDays, dateInZone, decodeCursor, fieldError, newId, startOfDayInZone } from '@expensio/common';
import { userTimeZone } from '../users/time-zone.js';
import { requireAccount, requireOpen } from '../accounts/service.js';
import { requireCategory, requireKindFits } from '../categories/service.js';
import type { FinanceContext } from '../context.js';
import type { FinanceDb, Frequency } from '../db.js';
import { prepareTransaction, type TransactionInput } from '../transactions/service.js';
import { parseAmount } from '../shared/money.js';
import { closePause, closedPauses, deleteRule, findRule, insertRule, listRules, openPause, prunePauses, updateRule, type RuleRow } from './repo.js';
import { nextOccurrence, rescheduledIndex, upcomingOccurrences, type Schedule } from './schedule.js';

/** A rule is a transaction template (posted later, so no occurredAt) plus its schedule. */
export interface RuleInput extends Omit<TransactionInput, 'occurredAt'> {
  frequency: Frequency;
  interval: number;
  startDate?: string | undefined;
  endDate?: string | null | undefined;
  count?: number | null | undefined;
  paused: boolean;
}

export type RuleChanges = Partial<Omit<RuleInput, 'currency'>>;

export function scheduleOf(row: RuleRow): Schedule {
  return { startDate: row.start_date, frequency: row.frequency, interval: row.frequency_interval, endDate: row.end_date, count: row.occurrence_count };
}

/** How far back a start date may go: a rule created with a past start posts the occurrences since. */
const MAX_BACKFILL_DAYS = 366;

function checkSchedule(schedule: Schedule, today: string, startGiven: boolean) {
  if (startGiven && schedule.startDate < addDays(today, -MAX_BACKFILL_DAYS)) {
    throw fieldError('startDate', `startDate may be at most ${MAX_BACKFILL_DAYS} days in the past`, 'start_too_early');
  }
  if (schedule.endDate !== null && schedule.endDate < schedule.startDate)
    throw fieldError('endDate', 'endDate must be on or after startDate', 'end_before_start');
}

export async function requireRule(db: FinanceDb, userId: string, id: string, lock = false): Promise<RuleRow> {
  const row = await findRule(db, { userId, id, lock });
  if (!row) throw new NotFoundError(`No recurring rule ${id}`, 'recurring_rule_not_found');
  return row;
}

/** What a rule made to track a detected subscription carries besides its template and schedule. */
export interface TrackedSubscription {
  /** The payee key, in the template's currency: at most one rule per user tracks it. */
  key: string;
  /** Thrown (the rule is not written) when a rule already tracks it. */
  alreadyTracked: () => Error;
}

export async function createRule(ctx: FinanceContext, userId: string, input: RuleInput, tracks?: TrackedSubscription): Promise<RuleRow> {
  const now = ctx.clock.now();
  const today = dateInZone(now, await userTimeZone(ctx.db, userId));
  const schedule: Schedule = {
    startDate: input.startDate ?? today,
    frequency: input.frequency,
    interval: input.interval,
    endDate: input.endDate ?? null,
    count: input.count ?? null,
  };
  checkSchedule(schedule, today, input.startDate !== undefined);
  return ctx.db.transaction().execute(async (trx) => {
    // The template passes the same checks as a transaction posted now (ownership, currency, amount).
    const { values: template } = await prepareTransaction(ctx, trx, userId, input);
    const id = newId();
    const next = nextOccurrence(schedule, 0);
    const inserted = await insertRule(trx, {
      id,
      user_id: userId,
      account_id: template.account_id,
      type: input.type,
      amount: template.amount,
      currency: template.currency,
      category_id: template.category_id,
      description: template.description,
      merchant: template.merchant,
      tags: template.tags,
      frequency: schedule.frequency,
      frequency_interval: schedule.interval,
      start_date: schedule.startDate,
      end_date: schedule.endDate,
      occurrence_count: schedule.count,
      paused: input.paused,
      next_index: next.index,
      next_date: next.date,
      last_error: null,
      subscription_key: tracks?.key ?? null,
      created_at: now,
      updated_at: now,
    });
    if (!inserted && tracks) throw tracks.alreadyTracked();
    // Created paused, the rule was never active: its pause reaches back before the start, so
    // resuming posts nothing dated before the day of resuming.
    const beforeStart = addDays(schedule.startDate, -1);
    if (input.paused) await openPause(trx, { ruleId: id, on: beforeStart < today ? beforeStart : today });
    return requireRule(trx, userId, id);
  });
}

/**
 * Changes the template (future postings only), the schedule, or the paused state. The rule is
 * locked meanwhile, so a scheduler instance never posts from a half-changed rule.
 *
 * - A new frequency, interval or start date applies from today: nothing before today is
 *   back-posted under it, and nothing already passed is posted again. A new end date or count
 *   keeps the cursor, except that re-opening a finished schedule also starts from today.
 * - Pausing stops posting. Resuming does not back-post: occurrences dated strictly between the
 *   day of pausing and the day of resuming are skipped for good; any the scheduler still owed
 *   from before the pause are posted.
 */
export async function changeRule(ctx: FinanceContext, userId: string, id: string, input: RuleChanges): Promise<RuleRow> {
  const now = ctx.clock.now();
  const today = dateInZone(now, await userTimeZone(ctx.db, userId));
  return ctx.db.transaction().execute(async (trx) => {
    const rule = await requireRule(trx, userId, id, true);
    const before = scheduleOf(rule);
    const after: Schedule = {
      startDate: input.startDate ?? before.startDate,
      frequency: input.frequency ?? before.frequency,
      interval: input.interval ?? before.interval,
      endDate: input.endDate !== undefined ? input.endDate : before.endDate,
      count: input.count !== undefined ? input.count : before.count,
    };
    checkSchedule(after, today, input.startDate !== undefined && input.startDate !== before.startDate);

    let accountId = rule.account_id;
    if (input.accountId !== undefined && input.accountId !== rule.account_id) {
      const account = await requireAccount(trx, userId, input.accountId, 'accountId');
      requireOpen(account);
      if (account.currency !== rule.currency)
        throw new UnprocessableError(`The account holds ${account.currency}, the rule ${rule.currency}`, 'currency_mismatch');
      accountId = account.id;
    }
    const category = input.category === undefined ? undefined : input.category === null ? null : await requireCategory(trx, userId, input.category);
    const kept = category === undefined && input.type !== undefined && rule.category_id !== null ? await requireCategory(trx, userId, rule.category_id) : null;
    const landing = category ?? kept;
    if (landing) requireKindFits(landing, input.type ?? rule.type);

    const timingChanged = after.startDate !== before.startDate || after.frequency !== before.frequency || after.interval !== before.interval;
    const boundsChanged = after.endDate !== before.endDate || after.count !== before.count;
    const cursor = timingChanged || (boundsChanged && rule.next_date === null) ? rescheduledIndex(before, rule.next_index, after, today) : rule.next_index;

    let paused = rule.paused;
    if (input.paused === true && !rule.paused) {
      await openPause(trx, { ruleId: id, on: today });
      paused = true;
    } else if (input.paused === false && rule.paused) {
      await closePause(trx, { ruleId: id, on: today });
      paused = false;
    }
    const next = nextOccurrence(after, cursor, await closedPauses(trx, id));

    await updateRule(trx, {
      userId,
      id,
      now,
      changes: {
        account_id: accountId,
        ...(input.type !== undefined && { type: input.type }),
        ...(input.amount !== undefined && { amount: parseAmount(input.amount, rule.currency, 'amount', { positive: true }) }),
        ...(category !== undefined && { category_id: category?.id ?? null }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.merchant !== undefined && { merchant: input.merchant }),
        ...(input.tags !== undefined && { tags: [...new Set(input.tags)] }),
        frequency: after.frequency,
        frequency_interval: after.interval,
        start_date: after.startDate,
        end_date: after.endDate,
        occurrence_count: after.count,
        paused,
        next_index: next.index,
        next_date: next.date,
      },
    });
    await prunePauses(trx, { ruleId: id, before: next.date });
    return requireRule(trx, userId, id);
  });
}

/** Deletes the rule; the transactions it posted stay. */
export async function removeRule(ctx: FinanceContext, userId: string, id: string): Promise<void> {
  const deleted = await deleteRule(ctx.db, { userId, id });
  if (deleted === 0) throw new NotFoundError(`No recurring rule ${id}`, 'recurring_rule_not_found');
}

export async function pageRules(ctx: FinanceContext, userId: string, input: { limit: number; cursor?: string | undefined }) {
  return listRules(ctx.db, { userId, limit: input.limit, cursor: input.cursor === undefined ? undefined : decodeCursor(input.cursor) });
}

/** The dates the scheduler will post next, overdue ones first; nothing while paused. */
export async function upcoming(ctx: FinanceContext, userId: string, id: string, limit: number) {
  const rule = await requireRule(ctx.db, userId, id);
  const dates = rule.paused ? [] : upcomingOccurrences(scheduleOf(rule), rule.next_index, await closedPauses(ctx.db, id), limit);
  const timeZone = await userTimeZone(ctx.db, userId);
  // A posted occurrence is dated at the midnight that starts its day in the user's zone.
  return { ruleId: id, paused: rule.paused, items: dates.map(({ date }) => ({ date, occurredAt: startOfDayInZone(date, timeZone).toISOString() })) };
}
