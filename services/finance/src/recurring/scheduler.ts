import { ConflictError, dateInZone, startLoop, type EventPayload } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { formatAmount } from '../shared/money.js';
import { createTransaction } from '../transactions/create.js';
import { transactionSnapshot } from '../transactions/events.js';
import { findTransaction } from '../transactions/repo.js';
import { matchToleranceDays, matchWindow } from './matching.js';
import { closedPauses, dueRuleIds, linkMatchingTransaction, lockDueRule, moveCursor, recordFailure, type RuleRow } from './repo.js';
import { nextOccurrence } from './schedule.js';
import { userTimeZone } from '../users/time-zone.js';
import { scheduleOf } from './service.js';

export const DEFAULT_SCHEDULER_INTERVAL_MS = 60_000;

export interface SchedulerOptions {
  /** The moment whose UTC date decides what is due (default: the context's clock). */
  now?: Date;
  /** At most this many occurrences per rule in one run; the rest follow in the next. */
  limit?: number;
  /** At most this many rules in one run. */
  rulesPerRun?: number;
}

export interface SchedulerRun {
  /** Due rules looked at. */
  rules: number;
  /** Transactions written. */
  posted: number;
  /** Occurrences found already posted (their unique key), skipped. */
  duplicates: number;
  /** Occurrences that were a transaction already in the account (imported, or entered by hand): linked to it, not posted again. */
  linked: number;
  /** Rules whose next occurrence could not be posted (recorded as the rule's lastError, retried next run). */
  failed: number;
  /** Work was left for the next run. */
  more: boolean;
}

type Outcome = 'posted' | 'linked' | 'duplicate' | 'none';

/** The occurrence is in the ledger: posted now, or found already there and linked. */
function postedEvent(rule: RuleRow, transactionId: string, occurrenceDate: string): EventPayload<'recurring.posted'> {
  return { ruleId: rule.id, transactionId, occurrenceDate, type: rule.type, amount: formatAmount(rule.amount, rule.currency), currency: rule.currency };
}

/**
 * Posts one occurrence of a rule in one database transaction: the rule row is locked, the
 * transaction written and the cursor moved together. Another instance holding the lock makes
 * this one skip the rule; the unique (rule, occurrence date) key catches anything else. An
 * occurrence that is already in the account (a bank import of the same charge, say) is linked to
 * that transaction instead of posted beside it (matching.ts says how close it must be).
 */
async function postNext(ctx: FinanceContext, id: string, now: Date): Promise<Outcome> {
  return ctx.db.transaction().execute(async (trx) => {
    const rule = await lockDueRule(trx, { id, now });
    if (!rule) return 'none';
    const today = dateInZone(now, await userTimeZone(trx, rule.user_id));
    const schedule = scheduleOf(rule);
    const windows = await closedPauses(trx, id);
    const due = nextOccurrence(schedule, rule.next_index, windows);
    if (due.date === null || due.date > today) {
      await moveCursor(trx, { id, nextIndex: due.index, nextDate: due.date, lastError: rule.last_error, now: ctx.clock.now() });
      return 'none';
    }
    const linkedId = await linkMatchingTransaction(trx, {
      rule,
      occurrenceDate: due.date,
      window: matchWindow(due.date, matchToleranceDays(schedule)),
      now: ctx.clock.now(),
    });
    if (linkedId !== undefined) {
      const linked = await findTransaction(trx, { userId: rule.user_id, id: linkedId });
      if (linked === undefined) throw new Error(`Transaction ${linkedId} vanished while linked`);
      await ctx.bus.publish(trx, 'transaction.updated', rule.user_id, { ...transactionSnapshot(linked), changed: ['recurringRuleId'] });
      await ctx.bus.publish(trx, 'recurring.posted', rule.user_id, postedEvent(rule, linkedId, due.date));
      const next = nextOccurrence(schedule, due.index + 1, windows);
      await moveCursor(trx, { id, nextIndex: next.index, nextDate: next.date, lastError: null, now: ctx.clock.now() });
      return 'linked';
    }
    let outcome: Outcome = 'posted';
    try {
      const { row: posted } = await createTransaction(
        ctx,
        rule.user_id,
        {
          accountId: rule.account_id,
          type: rule.type,
          amount: formatAmount(rule.amount, rule.currency),
          currency: rule.currency,
          // A field the rule's template leaves empty is for the user's rules to fill.
          category: rule.category_id ?? undefined,
          description: rule.description,
          merchant: rule.merchant ?? undefined,
          // A date alone: midnight starting that day in the user's zone.
          occurredAt: due.date,
          tags: rule.tags,
        },
        { recurring: { ruleId: id, occurrenceDate: due.date }, trx },
      );
      await ctx.bus.publish(trx, 'recurring.posted', rule.user_id, postedEvent(rule, posted.id, due.date));
    } catch (error) {
      if (!(error instanceof ConflictError && error.code === 'occurrence_already_posted')) throw error;
      outcome = 'duplicate';
    }
    const next = nextOccurrence(schedule, due.index + 1, windows);
    await moveCursor(trx, { id, nextIndex: next.index, nextDate: next.date, lastError: null, now: ctx.clock.now() });
    return outcome;
  });
}

export interface RulePosting {
  posted: number;
  linked: number;
  duplicates: number;
  /** The limit was reached with occurrences still due. */
  more: boolean;
}

/**
 * Posts (or links) one rule's due occurrences up to today, at most `limit`, each in its own
 * transaction. Counts into `done` as it goes, so a failure part-way still leaves what was posted counted.
 */
export async function postDue(
  ctx: FinanceContext,
  id: string,
  now: Date,
  limit: number,
  done: RulePosting = { posted: 0, linked: 0, duplicates: 0, more: false },
): Promise<RulePosting> {
  for (let steps = 0; steps < limit; steps += 1) {
    const outcome = await postNext(ctx, id, now);
    if (outcome === 'none') return done;
    if (outcome === 'posted') done.posted += 1;
    else if (outcome === 'linked') done.linked += 1;
    else done.duplicates += 1;
  }
  done.more = true;
  return done;
}

/** Kept as the rule's lastError (shown to its owner) until a posting succeeds. */
export async function recordRuleFailure(ctx: FinanceContext, id: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  ctx.log.warn({ err: error, ruleId: id }, 'recurring rule could not post');
  await recordFailure(ctx.db, { id, error: message.slice(0, 500) });
}

/**
 * Posts every due occurrence of every rule, each exactly once, bounded per run. After downtime it
 * catches up from each rule's cursor, `limit` occurrences per rule per run. Safe to run from
 * several instances at once.
 */
export async function runScheduler(ctx: FinanceContext, options: SchedulerOptions = {}): Promise<SchedulerRun> {
  const now = options.now ?? ctx.clock.now();
  const limit = options.limit ?? 100;
  const rulesPerRun = options.rulesPerRun ?? 500;
  const ids = await dueRuleIds(ctx.db, { now, limit: rulesPerRun });
  const run: SchedulerRun = { rules: ids.length, posted: 0, duplicates: 0, linked: 0, failed: 0, more: ids.length === rulesPerRun };
  for (const id of ids) {
    const done: RulePosting = { posted: 0, linked: 0, duplicates: 0, more: false };
    try {
      await postDue(ctx, id, now, limit, done);
    } catch (error) {
      // One rule that cannot post (an archived account, say) must not hold up the others.
      run.failed += 1;
      await recordRuleFailure(ctx, id, error);
    }
    run.posted += done.posted;
    run.linked += done.linked;
    run.duplicates += done.duplicates;
    if (done.more) run.more = true;
  }
  ctx.metrics.schedulerRuns.inc({ outcome: run.failed > 0 ? 'failed' : 'ok' });
  ctx.metrics.schedulerPostings.inc(run.posted);
  return run;
}

/**
 * Runs the scheduler now (catching up whatever was missed while down), then every `intervalMs`,
 * sooner while a backlog remains. Returns a stop function that waits for a run in progress.
 */
export function startScheduler(
  ctx: FinanceContext,
  intervalMs = DEFAULT_SCHEDULER_INTERVAL_MS,
  options: { onRun?: (run: SchedulerRun) => void } = {},
): () => Promise<void> {
  return startLoop(
    async () => {
      const run = await runScheduler(ctx);
      if (run.posted > 0 || run.linked > 0 || run.failed > 0) ctx.log.info({ ...run }, 'recurring transactions posted');
      options.onRun?.(run);
      // A backlog that is moving continues at once; failures alone wait for the next interval.
      return run.more && run.posted + run.linked + run.duplicates > 0 ? 0 : intervalMs;
    },
    { retryMs: intervalMs, log: ctx.log, name: 'recurring scheduler run' },
  );
}
