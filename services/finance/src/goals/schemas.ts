import { z } from 'zod';
import { changesSomething, dateInZone, text } from '@expensio/common';
import { optionalMultilineText, pageQuery } from '../shared/http.js';
import { amountInput, amountOutput, currencySchema, formatAmount } from '../shared/money.js';
import { goalProgress } from './progress.js';
import type { ContributionRow, GoalRow } from './repo.js';

const day = z.iso.date().describe('A calendar day, YYYY-MM-DD');

export const goalSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    currency: z.string(),
    targetAmount: amountOutput,
    deadline: day.nullable(),
    saved: amountOutput.describe('The sum of the contributions'),
    remaining: amountOutput.describe('What is still missing to the target; 0 once reached'),
    percent: z.number().describe('saved / targetAmount in percent, rounded down to 2 decimals; above 100 when more than the target is saved'),
    monthlyNeeded: amountOutput
      .nullable()
      .describe(
        'The remaining amount spread over the whole months left to the deadline (at least one), rounded up; null without a deadline, once reached, or when the deadline has passed',
      ),
    monthsLeft: z
      .number()
      .int()
      .nullable()
      .describe('Whole months from today (in your time zone) to the deadline (0 once it has passed); null without a deadline'),
    deadlinePassed: z.boolean(),
    projectedCompletion: day
      .nullable()
      .describe('The day the target is reached at the average net rate saved since the first contribution; null when nothing is saved or once reached'),
    completedAt: z.iso.datetime().nullable().describe('When the target was first reached; kept after a later withdrawal'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Goal' });

export const contributionSchema = z
  .object({
    id: z.uuid(),
    goalId: z.uuid(),
    amount: amountOutput.describe('Positive: added; negative: withdrawn'),
    currency: z.string(),
    note: z.string().nullable(),
    occurredAt: z.iso.datetime(),
  })
  .meta({ id: 'GoalContribution' });

const name = text().trim().min(1).max(100);

export const createGoalBody = z
  .strictObject({
    name,
    targetAmount: amountInput,
    currency: currencySchema.optional().describe('Defaults to DEFAULT_CURRENCY; fixed once created'),
    deadline: day.nullable().optional().describe('Today or later'),
  })
  .meta({ examples: [{ name: 'Emergency fund', targetAmount: '5000.00', currency: 'USD', deadline: '2027-12-31' }] });

export const updateGoalBody = z
  .strictObject({
    name: name.optional(),
    targetAmount: amountInput.optional(),
    deadline: day.nullable().optional().describe('Today or later; null removes it'),
  })
  .check(changesSomething);

export const contributionBody = z.strictObject({
  amount: amountInput.describe('Positive adds to the goal, negative withdraws; what is saved never goes below zero'),
  currency: currencySchema.optional().describe("Must be the goal's currency"),
  note: optionalMultilineText(500),
});

export const listQuery = z.strictObject(pageQuery);

/** The goal with its progress counted in the user's calendar: today and the first contribution's day are days in their zone. */
export function toGoalView(row: GoalRow, now: Date, timeZone: string) {
  const progress = goalProgress({
    target: row.target_amount,
    saved: row.saved,
    deadline: row.deadline,
    firstContribution: row.first_contribution_at === null ? null : dateInZone(row.first_contribution_at, timeZone),
    today: dateInZone(now, timeZone),
  });
  const money = (minor: bigint) => formatAmount(minor, row.currency);
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    targetAmount: money(row.target_amount),
    deadline: row.deadline,
    saved: money(row.saved),
    remaining: money(progress.remaining),
    percent: Number(progress.percent) / 100,
    monthlyNeeded: progress.monthlyNeeded === null ? null : money(progress.monthlyNeeded),
    monthsLeft: progress.monthsLeft,
    deadlinePassed: progress.deadlinePassed,
    projectedCompletion: progress.projectedCompletion,
    completedAt: row.completed_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toContributionView(row: ContributionRow, currency: string) {
  return {
    id: row.id,
    goalId: row.goal_id,
    amount: formatAmount(row.amount, currency),
    currency,
    note: row.note,
    occurredAt: row.occurred_at.toISOString(),
  };
}
