import { NotFoundError, UnprocessableError, dateInZone, decodeCursor, fieldError, newId } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { Transaction } from 'kysely';
import type { FinanceDb, FinanceTables } from '../db.js';
import { formatAmount, parseAmount } from '../shared/money.js';
import { formatPercent, percentOf } from './progress.js';
import {
  deleteGoal,
  findGoal,
  insertContribution,
  insertGoal,
  insertGoalEvents,
  listContributions,
  listGoals,
  lockGoal,
  markCompleted,
  savedOn,
  updateGoal,
  type ContributionRow,
  type GoalRow,
} from './repo.js';
import type { Answer } from '../shared/idempotency.js';
import { userTimeZone } from '../users/time-zone.js';

export async function requireGoal(db: FinanceDb, userId: string, id: string): Promise<GoalRow> {
  const goal = await findGoal(db, { userId, id });
  if (!goal) throw new NotFoundError(`No goal ${id}`, 'goal_not_found');
  return goal;
}

async function requireLockedGoal(db: FinanceDb, userId: string, id: string) {
  const goal = await lockGoal(db, { userId, id });
  if (!goal) throw new NotFoundError(`No goal ${id}`, 'goal_not_found');
  return goal;
}

/** What a goal's figures are counted against: now, and the user's zone, whose calendar days "today" and a deadline are. */
export async function goalCalendar(ctx: FinanceContext, userId: string): Promise<{ now: Date; timeZone: string }> {
  return { now: ctx.clock.now(), timeZone: await userTimeZone(ctx.db, userId) };
}

async function checkDeadline(ctx: FinanceContext, userId: string, deadline: string | null | undefined) {
  if (deadline == null) return;
  const { now, timeZone } = await goalCalendar(ctx, userId);
  if (deadline < dateInZone(now, timeZone)) throw fieldError('deadline', 'deadline must be today or later', 'deadline_in_past');
}

/**
 * Records the completion the first time the saved sum reaches the target. The conditional update
 * (`where completed_at is null`) lets exactly one transaction win even if two got this far, and
 * the unique index on completed events backs it up. A later withdrawal keeps completed_at, and
 * reaching the target again records nothing new: a goal is completed once.
 */
async function completeIfReached(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  params: { userId: string; goal: Pick<GoalRow, 'id' | 'name' | 'currency' | 'completed_at'>; target: bigint; saved: bigint; now: Date },
) {
  const { userId, goal, target, saved, now } = params;
  if (goal.completed_at !== null || saved < target) return;
  if (!(await markCompleted(trx, { userId, id: goal.id, now }))) return;
  await insertGoalEvents(trx, [
    { id: newId(), user_id: userId, goal_id: goal.id, type: 'completed', saved, percent: formatPercent(percentOf(saved, target)), occurred_at: now },
  ]);
  await ctx.bus.publish(trx, 'goal.completed', userId, {
    goalId: goal.id,
    name: goal.name,
    saved: formatAmount(saved, goal.currency),
    target: formatAmount(target, goal.currency),
    currency: goal.currency,
    completedAt: now.toISOString(),
  });
}

export async function getGoals(ctx: FinanceContext, userId: string, input: { limit: number; cursor?: string | undefined }) {
  return listGoals(ctx.db, { userId, limit: input.limit, cursor: input.cursor === undefined ? undefined : decodeCursor(input.cursor) });
}

export async function createGoal(
  ctx: FinanceContext,
  userId: string,
  input: { name: string; targetAmount: string | number; currency?: string | undefined; deadline?: string | null | undefined },
): Promise<GoalRow> {
  const currency = input.currency ?? ctx.config.DEFAULT_CURRENCY;
  const targetAmount = parseAmount(input.targetAmount, currency, 'targetAmount', { positive: true });
  await checkDeadline(ctx, userId, input.deadline);
  const id = newId();
  await insertGoal(ctx.db, { id, userId, name: input.name, targetAmount, currency, deadline: input.deadline ?? null, now: ctx.clock.now() });
  return requireGoal(ctx.db, userId, id);
}

export async function changeGoal(
  ctx: FinanceContext,
  userId: string,
  id: string,
  input: { name?: string | undefined; targetAmount?: string | number | undefined; deadline?: string | null | undefined },
): Promise<GoalRow> {
  await checkDeadline(ctx, userId, input.deadline);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const goal = await requireLockedGoal(trx, userId, id);
    const target = input.targetAmount === undefined ? undefined : parseAmount(input.targetAmount, goal.currency, 'targetAmount', { positive: true });
    await updateGoal(trx, {
      userId,
      id,
      now,
      changes: {
        ...(input.name !== undefined && { name: input.name }),
        ...(target !== undefined && { target_amount: target }),
        ...(input.deadline !== undefined && { deadline: input.deadline }),
      },
    });
    // Lowering the target to what is already saved reaches it as surely as a contribution does.
    if (target !== undefined) {
      const saved = await savedOn(trx, { userId, goalId: id });
      await completeIfReached(ctx, trx, { userId, goal: { ...goal, name: input.name ?? goal.name }, target, saved, now });
    }
    return requireGoal(trx, userId, id);
  });
}

export async function removeGoal(ctx: FinanceContext, userId: string, id: string): Promise<void> {
  if ((await deleteGoal(ctx.db, { userId, id })) === 0) throw new NotFoundError(`No goal ${id}`, 'goal_not_found');
}

/**
 * Adds (positive) or withdraws (negative) money. The goal row is locked for the transaction, so
 * concurrent contributions see each other's sums: what is saved never goes below zero, and the
 * completion is recorded by exactly one of them.
 */
export async function contribute(
  ctx: FinanceContext,
  userId: string,
  goalId: string,
  input: { amount: string | number; currency?: string | undefined; note?: string | null | undefined },
  answer?: Answer<{ contribution: ContributionRow; goal: GoalRow }>,
): Promise<{ contribution: ContributionRow; goal: GoalRow }> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const goal = await requireLockedGoal(trx, userId, goalId);
    if (input.currency !== undefined && input.currency !== goal.currency) {
      throw new UnprocessableError(`The goal is in ${goal.currency}; contribute in ${goal.currency}`, 'currency_mismatch');
    }
    const amount = parseAmount(input.amount, goal.currency, 'amount');
    if (amount === 0n) throw fieldError('amount', 'amount must not be zero: positive adds, negative withdraws', 'invalid_amount');
    const saved = (await savedOn(trx, { userId, goalId })) + amount;
    if (saved < 0n) {
      const available = formatAmount(saved - amount, goal.currency);
      throw new UnprocessableError(`Only ${available} ${goal.currency} is saved in this goal; a goal cannot go below zero`, 'goal_overdrawn');
    }
    const contribution = await insertContribution(
      trx,
      { id: newId(), goal_id: goalId, user_id: userId, amount, note: input.note ?? null, occurred_at: now },
      now,
    );
    const percent = formatPercent(percentOf(saved, goal.target_amount));
    await insertGoalEvents(trx, [{ id: newId(), user_id: userId, goal_id: goalId, type: 'progressed', saved, percent, occurred_at: now }]);
    await ctx.bus.publish(trx, 'goal.progressed', userId, {
      goalId,
      name: goal.name,
      saved: formatAmount(saved, goal.currency),
      target: formatAmount(goal.target_amount, goal.currency),
      currency: goal.currency,
      percent,
    });
    await completeIfReached(ctx, trx, { userId, goal, target: goal.target_amount, saved, now });
    const result = { contribution, goal: await requireGoal(trx, userId, goalId) };
    await answer?.(trx, result);
    return result;
  });
}

export async function getContributions(ctx: FinanceContext, userId: string, goalId: string, input: { limit: number; cursor?: string | undefined }) {
  const goal = await requireGoal(ctx.db, userId, goalId);
  const page = await listContributions(ctx.db, {
    userId,
    goalId,
    limit: input.limit,
    cursor: input.cursor === undefined ? undefined : decodeCursor(input.cursor),
  });
  return { goal, ...page };
}
