import { z } from 'zod';
import { addDays, startOfDayInZone, text } from '@expensio/common';
import { amountInput, amountOutput, currencySchema, formatAmount } from '../shared/money.js';
import { pageQuery } from '../shared/http.js';
import { checkPeriodQuery, periodQueryShape } from '../shared/period-query.js';
import type { BudgetRow, ThresholdEventRow } from './repo.js';
import type { LedgerPeriod } from './rollover.js';
import { percentUsed, statusOf } from './rollover.js';

const periodSchema = z
  .enum(['weekly', 'monthly', 'yearly'])
  .describe('weekly: ISO weeks from Monday; monthly: calendar months; yearly: calendar years (all in your time zone)');
const rolloverSchema = z
  .enum(['none', 'surplus', 'surplus_and_deficit'])
  .describe('none; surplus: what was left carries into the next period; surplus_and_deficit: overspending carries too, as a negative');
const categoryRef = text().trim().min(1).max(100).describe('A category slug (e.g. groceries) or id; null budgets all spending');
const dateSchema = z.iso
  .date({ message: 'must be a date such as 2026-03-01' })
  .refine((d) => d >= '1900-01-01' && d <= '2999-12-31', { message: 'must be between 1900-01-01 and 2999-12-31' });
const nameSchema = text().trim().min(1).max(100);
const capSchema = amountInput
  .nullable()
  .describe(
    'Limits the absolute value carried into a period, in both directions (a surplus carries at most this much, a deficit at most minus this much). Needs a rollover mode.',
  );

export const createBudgetBody = z
  .strictObject({
    name: nameSchema,
    amount: amountInput,
    currency: currencySchema.optional().describe("Defaults to your default account's currency; only spending in this currency counts"),
    period: periodSchema,
    category: categoryRef.nullable().optional(),
    startDate: dateSchema.optional().describe('Defaults to today (in your time zone). The period holding it is the first, from its beginning'),
    rollover: rolloverSchema.default('none'),
    rolloverCap: capSchema.optional(),
  })
  .meta({ examples: [{ name: 'Groceries', amount: '400.00', period: 'monthly', category: 'groceries', startDate: '2026-03-01', rollover: 'surplus' }] });

/** PUT replaces the budget: every field but the nullable ones is required. */
export const replaceBudgetBody = z.strictObject({
  name: nameSchema,
  amount: amountInput,
  currency: currencySchema.optional().describe("Defaults to your default account's currency, as on create"),
  period: periodSchema,
  category: categoryRef.nullable().optional().describe('Omitted or null: all spending'),
  startDate: dateSchema,
  rollover: rolloverSchema,
  rolloverCap: capSchema.optional().describe('Omitted or null: no cap'),
});

export type BudgetInput = z.infer<typeof createBudgetBody>;

export const budgetSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    amount: amountOutput,
    currency: z.string(),
    period: periodSchema,
    category: z.string().nullable().describe('The category slug; null when the budget covers all spending'),
    categoryId: z.uuid().nullable(),
    startDate: z.iso.date(),
    rollover: rolloverSchema,
    rolloverCap: amountOutput.nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Budget' });

export const overviewQuery = z.strictObject({ ...periodQueryShape }).superRefine(checkPeriodQuery);

export const overviewSchema = z.object({
  asOf: z.iso.datetime(),
  timeZone: z.string().describe('The time zone periods are counted in (your profile’s)'),
  items: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      currency: z.string(),
      period: periodSchema,
      category: z.string().nullable(),
      categoryId: z.uuid().nullable(),
      rollover: rolloverSchema,
      periodStart: z.iso.datetime().describe('The instant the period’s first day began in your time zone'),
      periodEnd: z.iso.datetime().describe('Exclusive'),
      firstDay: z.iso.date(),
      lastDay: z.iso.date().describe('Inclusive'),
      budgeted: amountOutput,
      rolledOver: amountOutput.describe('Carried in from the periods before; negative for a carried deficit'),
      available: amountOutput.describe('budgeted + rolledOver'),
      spent: amountOutput,
      remaining: amountOutput.describe('available - spent; negative once overspent'),
      percentUsed: z.number().nullable().describe('spent / available in percent, truncated to two decimals; null when nothing is available (available <= 0)'),
      status: z.enum(['ok', 'warning', 'over']).describe('warning from 80% of available, over past 100% (with nothing available, any spending is over)'),
    }),
  ),
});

export const thresholdEventSchema = z
  .object({
    id: z.uuid(),
    budgetId: z.uuid(),
    periodStart: z.iso.date(),
    threshold: z.union([z.literal(80), z.literal(100)]),
    crossedAt: z.iso.datetime().describe('When the crossing was detected'),
    spent: amountOutput,
    available: amountOutput,
    currency: z.string(),
  })
  .meta({ id: 'BudgetThresholdEvent' });

export const eventsQuery = z.strictObject({ ...pageQuery });

export function toBudgetView(row: BudgetRow): z.infer<typeof budgetSchema> {
  return {
    id: row.id,
    name: row.name,
    amount: formatAmount(row.amount, row.currency),
    currency: row.currency,
    period: row.period,
    category: row.category_slug,
    categoryId: row.category_id,
    startDate: row.start_date,
    rollover: row.rollover,
    rolloverCap: row.rollover_cap === null ? null : formatAmount(row.rollover_cap, row.currency),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toOverviewItem(row: BudgetRow, period: LedgerPeriod, timeZone: string) {
  const money = (minor: bigint) => formatAmount(minor, row.currency);
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    period: row.period,
    category: row.category_slug,
    categoryId: row.category_id,
    rollover: row.rollover,
    periodStart: startOfDayInZone(period.startDate, timeZone).toISOString(),
    periodEnd: startOfDayInZone(period.endDate, timeZone).toISOString(),
    firstDay: period.startDate,
    lastDay: addDays(period.endDate, -1),
    budgeted: money(period.budgeted),
    rolledOver: money(period.rolledOver),
    available: money(period.available),
    spent: money(period.spent),
    remaining: money(period.remaining),
    percentUsed: percentUsed(period.spent, period.available),
    status: statusOf(period.spent, period.available),
  };
}

export function toThresholdEventView(row: ThresholdEventRow): z.infer<typeof thresholdEventSchema> {
  return {
    id: row.id,
    budgetId: row.budget_id,
    periodStart: row.period_start,
    threshold: row.threshold,
    crossedAt: row.crossed_at.toISOString(),
    spent: formatAmount(row.spent, row.currency),
    available: formatAmount(row.available, row.currency),
    currency: row.currency,
  };
}
