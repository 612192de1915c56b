import { ConflictError, startLoop, utcDate } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { formatAmount } from '../shared/money.js';
import { createTransaction } from '../transactions/create.js';
import { closedPauses, dueRuleIds, lockDueRule, moveCursor, recordFailure } from './repo.js';
import { nextOccurrence } from './schedule.js';
import { occurredAtOf, scheduleOf } from './service.js';

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
  /** Rules whose next occurrence could not be posted (recorded as the rule's lastError, retried next run). */
  failed: number;
  /** Work was left for the next run. */
  more: boolean;
}

type Outcome = 'posted' | 'duplicate' | 'none';

/**
 * Posts one occurrence of a rule in one database transaction: the rule row is locked, the
 * transaction written and the cursor moved together. Another instance holding the lock makes
 * this one skip the rule; the unique (rule, occurrence date) key catches anything else.
 */
async function postNext(ctx: FinanceContext, id: string, today: string): Promise<Outcome> {
  return ctx.db.transaction().execute(async (trx) => {
    const rule = await lockDueRule(trx, { id, today });
    if (!rule) return 'none';
    const schedule = scheduleOf(rule);
    const windows = await closedPauses(trx, id);
    const due = nextOccurrence(schedule, rule.next_index, windows);
    if (due.date === null || due.date > today) {
      await moveCursor(trx, { id, nextIndex: due.index, nextDate: due.date, lastError: rule.last_error, now: ctx.clock.now() });
      return 'none';
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
          occurredAt: occurredAtOf(due.date),
          tags: rule.tags,
        },
        { recurring: { ruleId: id, occurrenceDate: due.date }, trx },
      );
      await ctx.bus.publish(trx, 'recurring.posted', rule.user_id, {
        ruleId: id,
        transactionId: posted.id,
        occurrenceDate: due.date,
        type: rule.type,
        amount: formatAmount(rule.amount, rule.currency),
        currency: rule.currency,
      });
    } catch (error) {
      if (!(error instanceof ConflictError && error.code === 'occurrence_already_posted')) throw error;
      outcome = 'duplicate';
    }
    const next = nextOccurrence(schedule, due.index + 1, windows);
    await moveCursor(trx, { id, nextIndex: next.index, nextDate: next.date, lastError: null, now: ctx.clock.now() });
    return outcome;
  });
}

/**
 * Posts every due occurrence of every rule, each exactly once, bounded per run. After downtime it
 * catches up from each rule's cursor, `limit` occurrences per rule per run. Safe to run from
 * several instances at once.
 */
export async function runScheduler(ctx: FinanceContext, options: SchedulerOptions = {}): Promise<SchedulerRun> {
  const today = utcDate(options.now ?? ctx.clock.now());
  const limit = options.limit ?? 100;
  const rulesPerRun = options.rulesPerRun ?? 500;
  const ids = await dueRuleIds(ctx.db, { today, limit: rulesPerRun });
  const run: SchedulerRun = { rules: ids.length, posted: 0, duplicates: 0, failed: 0, more: ids.length === rulesPerRun };
  for (const id of ids) {
    try {
      let steps = 0;
      for (; steps < limit; steps += 1) {
        const outcome = await postNext(ctx, id, today);
        if (outcome === 'none') break;
        if (outcome === 'posted') run.posted += 1;
        else run.duplicates += 1;
      }
      if (steps === limit) run.more = true;
    } catch (error) {
      // One rule that cannot post (an archived account, say) must not hold up the others.
      run.failed += 1;
      const message = error instanceof Error ? error.message : String(error);
      ctx.log.warn({ err: error, ruleId: id }, 'recurring rule could not post');
      await recordFailure(ctx.db, { id, error: message.slice(0, 500) });
    }
  }
  ctx.metrics.schedulerRuns.inc({ outcome: run.failed > 0 ? 'failed' : 'ok' });
  ctx.metrics.schedulerPostings.inc(run.posted);
  return run;
}

/**
 * Runs the scheduler now (catching up whatever was missed while down), then every `intervalMs`,
 * sooner while a backlog remains. Returns a stop function that waits for a run in progress.
 */
export function startScheduler(ctx: FinanceContext, intervalMs = DEFAULT_SCHEDULER_INTERVAL_MS, options: { onRun?: (run: SchedulerRun) => void } = {}): () => Promise<void> {
  return startLoop(
    async () => {
      const run = await runScheduler(ctx);
      if (run.posted > 0 || run.failed > 0) ctx.log.info({ ...run }, 'recurring transactions posted');
      options.onRun?.(run);
      // A backlog that is moving continues at once; failures alone wait for the next interval.
      return run.more && run.posted + run.duplicates > 0 ? 0 : intervalMs;
    },
    { retryMs: intervalMs, log: ctx.log, name: 'recurring scheduler run' },
  );
}
