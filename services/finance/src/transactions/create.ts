import { ConflictError, NotFoundError, UnprocessableError, dateInZone, isCalendarDate, newId, periodStartDate, startOfDayInZone } from '@expensio/common';
import type { Transaction } from 'kysely';
import { ensureDefaultAccount } from '../accounts/service.js';
import { crossingsOf, recordBudgetThresholds, recordCrossings, spendingThrough } from '../budgets/thresholds.js';
import { PERIOD_UNIT, spendingByBudget } from '../budgets/rollover.js';
import { categoryForWrite } from '../categories/service.js';
import type { FinanceContext } from '../context.js';
import type { FinanceDb, FinanceTables } from '../db.js';
import type { MoodRow } from '../moods/repo.js';
import { toMoodView } from '../moods/schemas.js';
import type { MoodFields } from '../moods/service.js';
import { applyRulesToNew } from '../rules/on-write.js';
import { claimOrReplay, replayOf, type StoredResponse } from '../shared/idempotency.js';
import type { KeyTicket } from '../shared/idempotent-route.js';
import { completeRuleTransfer, planRuleTransfer } from '../transfers/by-rule.js';
import { transactionSnapshot } from './events.js';
import type { TransactionRow } from './repo.js';
import { toTransactionView, type TransactionView } from './schemas.js';
import { buildTransaction, type TransactionInput, type WriteTarget } from './service.js';
import { writeTransaction, type WriteResult } from './writer.js';
import { assessTransaction, flaggedPayload, historyWindow, locateClient } from '../risk/service.js';
import { learnValues } from '../risk/repo.js';
import { readCreateContext, type CreateContext } from './create-context.js';
import { withRisk } from '../risk/rows.js';

export interface CreateOptions {
  /** The Idempotency-Key the request sent: claimed by the context statement, its answer stored by the write. */
  key?: KeyTicket | undefined;
  /** An occurrence of a recurring rule: posted once, a second time is a 409. */
  recurring?: { ruleId: string; occurrenceDate: string };
  /** The caller's open transaction (the scheduler's, which holds the rule's lock); else one of its own. */
  trx?: Transaction<FinanceTables>;
  /** The client's address (request.ip, which honours TRUST_PROXY): where the transaction was made from. */
  clientIp?: string | undefined;
}

export interface CreatedTransaction {
  row: TransactionRow;
  /** The answer, as the API sends it and as a retry with the same key receives it again. */
  view: TransactionView;
}

/** A create whose Idempotency-Key was held already by the same request: its first answer. */
export interface Replayed {
  replay: StoredResponse;
}

/**
 * The key, as the context statement left it: taken (go on), or held, which answers the first
 * request's response again (undefined: taken now, go on), 422 or 409.
 */
async function settleKey(ctx: FinanceContext, ticket: KeyTicket, key: CreateContext['key']): Promise<StoredResponse | undefined> {
  if (key?.taken === true) {
    ticket.taken();
    return undefined;
  }
  ticket.held();
  if (key?.seen != null) return replayOf(key.seen, ticket.hash);
  // Taken by a request that committed after the statement's snapshot: a rare race, settled by the claim alone.
  const replay = await claimOrReplay(ctx.db, { ...ticket.claim, hash: ticket.hash, now: ticket.now, ttlMs: ticket.ttlMs });
  if (replay === undefined) ticket.taken();
  return replay;
}

/**
 * The account a create goes to, as the context read it: the named one (404 when it is not the
 * user's) or the default one, made on first use. Whether it is still open is for the write to say.
 */
async function accountOf(
  ctx: FinanceContext,
  db: FinanceDb,
  userId: string,
  accountId: string | undefined,
  found: CreateContext['account'],
): Promise<WriteTarget> {
  if (found !== null) return found;
  if (accountId !== undefined) throw new NotFoundError(`No account ${accountId} (accountId)`, 'account_not_found');
  return ensureDefaultAccount(ctx, userId, db);
}

/**
 * The threshold check of the budgets an expense counts towards, from the spending the write read
 * in its own statement plus the new row. When another write committed between that statement's
 * snapshot and its lock (budgetsMoved), the check reads the spending again under the lock instead.
 * Crossings are recorded in the caller's transaction, or in one of their own after the write.
 */
async function thresholdsAfterWrite(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables> | undefined,
  userId: string,
  row: TransactionRow,
  result: WriteResult,
  timeZone: string,
  /** The moment the write read the spending through (spendingThrough). */
  now: Date,
): Promise<void> {
  const inTransaction = <T>(work: (trx: Transaction<FinanceTables>) => Promise<T>) => (trx ? work(trx) : ctx.db.transaction().execute(work));
  if (result.budgetsMoved) {
    await inTransaction((t) => recordBudgetThresholds(ctx, t, userId, { occurredAt: row.occurred_at, categoryId: row.category_id, currency: row.currency }));
    return;
  }
  const spending = spendingByBudget(result.spending);
  const day = dateInZone(row.occurred_at, timeZone);
  for (const budget of result.budgets) {
    const periods = new Map(spending.get(budget.id));
    const period = periodStartDate(day, PERIOD_UNIT[budget.period]);
    periods.set(period, (periods.get(period) ?? 0n) + row.amount);
    spending.set(budget.id, periods);
  }
  const crossings = crossingsOf(userId, result.budgets, spending, row.occurred_at, now, timeZone);
  if (crossings.length > 0) await inTransaction((t) => recordCrossings(ctx, t, userId, crossings));
}

/**
 * The one way a transaction is created (the API, the scheduler; see ADR 0010 and ADR 0025): one
 * statement reads what the create needs about its user (zone, account, rules, whether budgets
 * exist); the row is built once with the user's rules applied to the fields it left unset and
 * scored against the user's history; then one statement writes the row, its mood, the key's answer,
 * its events and what it teaches the fraud baseline if the account is still the user's and open.
 * That statement commits on its own unless the create needs more in the same transaction: an
 * expense of a user with budgets (locked, then their thresholds checked) or a rule that makes it a
 * transfer. Import has its own batch writer.
 */
export async function createTransaction(
  ctx: FinanceContext,
  userId: string,
  given: TransactionInput & { mood?: MoodFields | undefined },
  options?: CreateOptions & { key?: undefined },
): Promise<CreatedTransaction>;
export async function createTransaction(
  ctx: FinanceContext,
  userId: string,
  given: TransactionInput & { mood?: MoodFields | undefined },
  options: CreateOptions,
): Promise<CreatedTransaction | Replayed>;
export async function createTransaction(
  ctx: FinanceContext,
  userId: string,
  given: TransactionInput & { mood?: MoodFields | undefined },
  options: CreateOptions = {},
): Promise<CreatedTransaction | Replayed> {
  const db = options.trx ?? ctx.db;
  const id = newId();
  const now = ctx.clock.now();
  const category = given.category == null ? null : await categoryForWrite(ctx, db, userId, given.category);
  const location = await locateClient(ctx, options.clientIp);
  // A date alone is midnight in the user's zone, which the context tells: until then the instant is unknown.
  const dateOnly = given.occurredAt !== undefined && isCalendarDate(given.occurredAt);
  const instant = given.occurredAt === undefined ? now : dateOnly ? undefined : new Date(given.occurredAt);
  // What the score will read, as far as the request tells; a rule that changes it makes scoring read again.
  const expected =
    ctx.scoring === false || instant === undefined
      ? null
      : historyWindow({
          id,
          type: given.type,
          categoryId: category?.id ?? null,
          merchant: given.merchant ?? null,
          description: given.description ?? null,
          location,
          occurredAt: instant,
        });
  const ticket = options.key;
  const context = await readCreateContext(ctx.database, db, { userId, accountId: given.accountId, expected, key: ticket });
  if (ticket !== undefined) {
    const replay = await settleKey(ctx, ticket, context.key);
    if (replay !== undefined) return { replay };
  }
  const { timeZone } = context;
  const input = dateOnly && given.occurredAt !== undefined ? { ...given, occurredAt: startOfDayInZone(given.occurredAt, timeZone).toISOString() } : given;
  const account = await accountOf(ctx, db, userId, input.accountId, context.account);
  const built = applyRulesToNew(context.rules, buildTransaction(ctx, userId, account, category, input, { id, now }), {
    category: input.category !== undefined,
    merchant: input.merchant !== undefined,
  });
  const recurring = options.recurring;
  const mood: MoodRow | undefined = input.mood && {
    id: newId(),
    user_id: userId,
    transaction_id: built.values.id,
    mood: input.mood.mood,
    intensity: input.mood.intensity,
    triggers: [...new Set(input.mood.triggers)],
    note: input.mood.note ?? null,
    created_at: now,
    updated_at: now,
  };
  const key = ticket?.claim;
  const type = built.values.type;
  const byRule = built.transferTo !== undefined && (type === 'income' || type === 'expense') ? built.transferTo : undefined;

  const write = async (db: FinanceDb, trx: Transaction<FinanceTables> | undefined): Promise<CreatedTransaction> => {
    // A rule that makes it a transfer decides before the write, so the row, its answer and its
    // event say what it is, and it never counts towards a budget on the way.
    const plan =
      byRule !== undefined && trx !== undefined
        ? await planRuleTransfer(trx, userId, { ...built.values, account_id: account.id, type: type as 'income' | 'expense' }, byRule)
        : null;
    const asLeg = plan && { type: plan.type, category_id: null, transfer_id: plan.transferId };
    const values = asLeg ? { ...built.values, ...asLeg } : built.values;
    const written: TransactionRow = asLeg ? { ...built.row, ...asLeg, category_slug: null } : built.row;
    const unscored: TransactionRow = {
      ...written,
      ...(recurring && { recurring_rule_id: recurring.ruleId }),
      location_country: location?.country ?? null,
      location_city: location?.city ?? null,
    };
    // A transfer between the user's own accounts is not spending: it scores 0.
    const scored =
      ctx.scoring === false || asLeg
        ? undefined
        : await assessTransaction(
            ctx,
            db,
            timeZone,
            {
              userId,
              id: values.id,
              type: values.type,
              amount: values.amount,
              currency: values.currency,
              categoryId: values.category_id,
              categoryName: category?.name ?? null,
              merchant: values.merchant,
              description: values.description,
              occurredAt: values.occurred_at,
              location,
            },
            context.history,
          );
    const row = scored === undefined ? unscored : withRisk(unscored, scored.risk);
    const checksBudgets = values.type === 'expense' && context.budgeted;
    const view: TransactionView = { ...toTransactionView(row), ...(mood && { mood: toMoodView(mood) }) };
    const events = [ctx.bus.stage('transaction.created', userId, transactionSnapshot(row)).row];
    if (scored?.risk.flagged) events.push(ctx.bus.stage('transaction.flagged', userId, flaggedPayload(row.id, scored.risk, scored.lesson)).row);
    // An ordinary expense joins the fraud baseline; a flagged one waits for its owner's review.
    const lesson = scored !== undefined && row.type === 'expense' && !scored.risk.flagged ? learnValues([scored.lesson]) : null;
    const result = await writeTransaction(
      ctx.database,
      db,
      {
        mood: mood !== undefined,
        budgets: checksBudgets,
        recurring: recurring !== undefined,
        answer: key !== undefined,
        learn: lesson !== null,
      },
      {
        id: values.id,
        userId,
        accountId: account.id,
        type: values.type,
        amount: values.amount,
        currency: values.currency,
        categoryId: values.category_id,
        description: values.description,
        merchant: values.merchant,
        occurredAt: values.occurred_at,
        tags: values.tags,
        transferId: values.transfer_id,
        riskScore: row.risk_score,
        riskLevel: row.risk_level,
        riskReasons: JSON.stringify(row.risk_reasons),
        riskFlagged: row.risk_flagged,
        locationCountry: row.location_country,
        locationCity: row.location_city,
        now,
        ruleId: recurring?.ruleId ?? null,
        occurrenceDate: recurring?.occurrenceDate ?? null,
        moodId: mood?.id ?? null,
        mood: mood?.mood ?? null,
        intensity: mood?.intensity ?? null,
        triggers: mood?.triggers ?? null,
        note: mood?.note ?? null,
        scope: key?.scope ?? null,
        key: key?.key ?? null,
        answer: key === undefined ? null : JSON.stringify(view),
        timeZone: checksBudgets ? timeZone : null,
        through: checksBudgets ? spendingThrough(values.occurred_at, now, timeZone) : null,
        events: JSON.stringify(events),
        learnAmounts: lesson?.amounts ?? null,
        learnPayees: lesson?.payees ?? null,
        learnPlaces: lesson?.places ?? null,
        learnExpenses: lesson?.expenses ?? null,
        learnLocated: lesson?.located ?? null,
        learnFirstAt: lesson?.firstAt ?? null,
        learnHours: lesson?.hours ?? null,
      },
    );
    if (result.account === null) throw new NotFoundError(`No account ${account.id} (accountId)`, 'account_not_found');
    if (result.account === 'archived') throw new UnprocessableError('The account is archived', 'account_archived');
    if (result.written === null) throw new ConflictError('This occurrence of the recurring rule is already posted', 'occurrence_already_posted');
    // The caller's transaction commits later: the relay looks again shortly after.
    if (options.trx !== undefined) ctx.bus.wake(false);
    if (plan && trx) await completeRuleTransfer(ctx, trx, userId, row, plan);
    if (result.budgets.length > 0) await thresholdsAfterWrite(ctx, trx, userId, row, result, timeZone, now);
    ticket?.answered();
    return { row, view };
  };
  if (options.trx) return write(options.trx, options.trx);
  // Alone, the write is one statement and commits as one; a rule's transfer opens a transaction.
  const created = byRule !== undefined ? await ctx.db.transaction().execute((trx) => write(trx, trx)) : await write(ctx.db, undefined);
  ctx.bus.wake(true);
  return created;
}
