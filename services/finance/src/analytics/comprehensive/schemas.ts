import { z } from 'zod';
import { overviewSchema, toOverviewItem } from '../../budgets/schemas.js';
import { goalSchema, toGoalView } from '../../goals/schemas.js';
import { amountOutput, formatAmount } from '../../shared/money.js';
import { transactionSchema, toTransactionView } from '../../transactions/schemas.js';
import { otherCurrenciesSchema, percent, rangeFields, rangeQueryShape } from '../schemas.js';
import { percentOf } from '../percent.js';
import type { comprehensive } from './service.js';

export const comprehensiveQuery = z.strictObject(rangeQueryShape);

const day = z.iso.date();

export const comprehensiveSchema = z
  .object({
    ...rangeFields,
    income: amountOutput,
    expense: amountOutput,
    net: amountOutput.describe('income - expense'),
    savingsRate: percent.nullable().describe('net / income × 100, 2 decimals; null without income'),
    transactionCount: z.number().int().describe('Income and expense transactions in the range (transfers are neither)'),
    byCategory: z.array(
      z.object({
        category: z.string().nullable().describe('The category slug; null for uncategorised'),
        name: z.string().nullable(),
        amount: amountOutput,
        count: z.number().int(),
        share: percent.describe('Percent of expense'),
        previousAmount: amountOutput.describe('The same category over the period of the same length just before from'),
        change: percent.nullable().describe('Percent change from previousAmount; null when previousAmount is zero'),
      }),
    ),
    topMerchants: z.array(z.object({ merchant: z.string().describe('Its most frequent spelling'), amount: amountOutput, count: z.number().int() })),
    largestExpenses: z.array(transactionSchema),
    byWeekday: z.array(z.object({ weekday: z.number().int().describe('1 = Monday … 7 = Sunday'), amount: amountOutput, count: z.number().int() })),
    byHour: z.array(z.object({ hour: z.number().int(), amount: amountOutput, count: z.number().int() })),
    budgets: overviewSchema.shape.items.describe('Each budget in this currency in its current period, as /api/budgets/overview shows it'),
    goals: z.array(goalSchema).describe('Goals in this currency, with their progress today'),
    debts: z
      .array(
        z.object({
          id: z.uuid(),
          name: z.string(),
          kind: z.enum(['loan', 'credit_card']),
          balance: amountOutput,
          minimumPayment: amountOutput,
          payoffDate: day.nullable().describe('The last payment at the minimum payment; null when paid off or when the minimum never clears it'),
        }),
      )
      .describe('Debts in this currency, today'),
    otherCurrencies: otherCurrenciesSchema,
  })
  .meta({ id: 'ComprehensiveAnalysis' });

type Answer = Awaited<ReturnType<typeof comprehensive>>;

export function toComprehensiveView(
  input: { currency: string; from: string; to: string; timeZone: string; now: Date },
  a: Answer,
): z.infer<typeof comprehensiveSchema> {
  const { currency } = input;
  const money = (minor: bigint) => formatAmount(minor, currency);
  const net = a.sums.income - a.sums.expense;
  return {
    currency,
    from: input.from,
    to: input.to,
    timeZone: input.timeZone,
    income: money(a.sums.income),
    expense: money(a.sums.expense),
    net: money(net),
    savingsRate: percentOf(net, a.sums.income),
    transactionCount: a.sums.count,
    byCategory: a.byCategory.map((c) => ({
      category: c.category,
      name: c.name,
      amount: money(c.amount),
      count: c.count,
      share: c.share,
      previousAmount: money(c.previous),
      change: c.change,
    })),
    topMerchants: a.merchants.map((m) => ({ merchant: m.merchant, amount: money(m.amount), count: m.count })),
    largestExpenses: a.largest.map(toTransactionView),
    byWeekday: a.byWeekday.map((s) => ({ weekday: s.slot, amount: money(s.amount), count: s.count })),
    byHour: a.byHour.map((s) => ({ hour: s.slot, amount: money(s.amount), count: s.count })),
    budgets: a.budgets.map(({ budget, current }) => toOverviewItem(budget, current, input.timeZone)),
    goals: a.goals.map((g) => toGoalView(g, input.now, input.timeZone)),
    debts: a.debts.map(({ debt, payoffDate }) => ({
      id: debt.id,
      name: debt.name,
      kind: debt.kind,
      balance: money(debt.balance),
      minimumPayment: money(debt.minimum_payment),
      payoffDate,
    })),
    otherCurrencies: a.others,
  };
}
