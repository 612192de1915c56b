import { z } from 'zod';
import { changesSomething, text } from '@expensio/common';
import { dateTimeInput, dayInput, pageQuery } from '../shared/http.js';
import { amountInput, amountOutput, currencySchema, formatAmount } from '../shared/money.js';
import type { PayoffPlan, Schedule } from './amortisation.js';
import { MAX_RATE_UNITS, formatRate, rateUnits } from './rate.js';
import type { DebtRow, PaymentRow } from './repo.js';

const day = z.iso.date().describe('A calendar day, YYYY-MM-DD');
const kind = z.enum(['loan', 'credit_card']);
const name = text().trim().min(1).max(100);

const rateInput = z
  .union([text().max(12), z.number()])
  .refine(
    (value) => {
      const units = rateUnits(String(value));
      return units !== null && units <= MAX_RATE_UNITS;
    },
    { message: 'must be an annual percent from 0 to 999.9999 with at most 4 decimals, e.g. "12.5"' },
  )
  .describe('Annual interest rate in percent, e.g. "12.5"');

const dueDay = z.number().int().min(1).max(31).describe('Day of the month payments are due; 29-31 fall on the last day of shorter months');

export const debtSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind,
    currency: z.string(),
    balance: amountOutput.describe('What is owed after the last payment: the opening balance less the principal paid'),
    openingBalance: amountOutput,
    startDate: day.describe('The day openingBalance was owed; interest accrues from it until the first payment'),
    annualRate: z.string().describe('Percent, e.g. "12.5"'),
    minimumPayment: amountOutput,
    dueDay: z.number().int(),
    interestPaid: amountOutput,
    lastPaymentDate: day.nullable(),
    accruedInterest: amountOutput.describe('Interest accrued since the last payment up to today, which the next payment pays first'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Debt' });

export const paymentSchema = z
  .object({
    id: z.uuid(),
    debtId: z.uuid(),
    currency: z.string(),
    amount: amountOutput,
    interest: amountOutput.describe('The part that paid the interest accrued since the previous payment'),
    principal: amountOutput.describe('The part that reduced the balance (negative when the payment did not cover the interest)'),
    balance: amountOutput.describe('What was owed after this payment'),
    paidAt: day,
  })
  .meta({ id: 'DebtPayment' });

const scheduledPayment = z.object({ date: day, payment: amountOutput, interest: amountOutput, principal: amountOutput, balance: amountOutput });

export const scheduleSchema = z
  .object({
    debtId: z.uuid(),
    currency: z.string(),
    payments: z.array(scheduledPayment),
    payoffDate: day.nullable().describe('The last payment; null when nothing is owed'),
    totalInterest: amountOutput,
    totalPaid: amountOutput,
  })
  .meta({ id: 'DebtSchedule' });

export const planSchema = z
  .object({
    strategy: z.enum(['avalanche', 'snowball']),
    currency: z.string(),
    extra: amountOutput,
    monthlyBudget: amountOutput.describe('All minimums plus extra, paid every month until every debt is cleared'),
    order: z.array(
      z.object({
        position: z.number().int(),
        debtId: z.uuid(),
        name: z.string(),
        kind,
        balance: amountOutput,
        annualRate: z.string(),
        minimumPayment: amountOutput,
        clearedOn: day,
        clearedMonth: z.string().describe('YYYY-MM'),
        monthsToClear: z.number().int().describe('1 is the first payment month'),
        interest: amountOutput,
      }),
    ),
    months: z.number().int(),
    payoffDate: day.nullable(),
    totalInterest: amountOutput,
    minimumOnly: z
      .object({ months: z.number().int(), payoffDate: day.nullable(), totalInterest: amountOutput })
      .nullable()
      .describe('null when paying only the minimums would never clear every debt'),
    interestSaved: amountOutput.nullable().describe('Interest paying minimums only, less interest with this plan; null when minimums alone never finish'),
  })
  .meta({ id: 'DebtPayoffPlan' });

export const createDebtBody = z
  .strictObject({
    name,
    kind,
    balance: amountInput.describe('What is owed on startDate'),
    currency: currencySchema.optional().describe('Defaults to DEFAULT_CURRENCY; fixed once created'),
    annualRate: rateInput,
    minimumPayment: amountInput,
    dueDay,
    startDate: dayInput.optional().describe('The day balance was owed; defaults to today'),
  })
  .meta({
    examples: [
      {
        name: 'Visa card',
        kind: 'credit_card',
        balance: '1850.00',
        currency: 'USD',
        annualRate: '19.99',
        minimumPayment: '55.00',
        dueDay: 15,
        startDate: '2026-03-01',
      },
    ],
  });

export const updateDebtBody = z
  .strictObject({
    name: name.optional(),
    kind: kind.optional(),
    balance: amountInput.optional().describe('Only before the first payment'),
    startDate: dayInput.optional().describe('Only before the first payment'),
    annualRate: rateInput.optional(),
    minimumPayment: amountInput.optional(),
    dueDay: dueDay.optional(),
  })
  .check(changesSomething);

export const paymentBody = z.strictObject({
  amount: amountInput,
  currency: currencySchema.optional().describe("Must be the debt's currency"),
  paidAt: z
    .union([dayInput, dateTimeInput], { error: 'must be a day (2026-03-15) or a date-time with offset, from 1900 through 2999' })
    .optional()
    .describe('The day paid (a timestamp counts as its day in your time zone); defaults to today (yours); not before the last payment, not after today'),
});

export const planQuery = z.strictObject({
  strategy: z.enum(['avalanche', 'snowball']).default('avalanche').describe('avalanche: highest rate first; snowball: smallest balance first'),
  extra: text().max(40).optional().describe('Paid every month on top of the minimums, e.g. "100.00"'),
  currency: currencySchema.optional().describe('Required when your debts are in several currencies'),
});

export const listQuery = z.strictObject(pageQuery);

export function toDebtView(row: DebtRow, accrued: bigint) {
  const money = (minor: bigint) => formatAmount(minor, row.currency);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    currency: row.currency,
    balance: money(row.balance),
    openingBalance: money(row.opening_balance),
    startDate: row.start_date,
    annualRate: formatRate(rateUnits(row.annual_rate) ?? 0n),
    minimumPayment: money(row.minimum_payment),
    dueDay: row.due_day,
    interestPaid: money(row.interest_paid),
    lastPaymentDate: row.last_paid_at,
    accruedInterest: money(accrued),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toPaymentView(row: PaymentRow, currency: string) {
  const money = (minor: bigint) => formatAmount(minor, currency);
  return {
    id: row.id,
    debtId: row.debt_id,
    currency,
    amount: money(row.amount),
    interest: money(row.interest),
    principal: money(row.principal),
    balance: money(row.balance_after),
    paidAt: row.paid_at,
  };
}

export function toScheduleView(debt: DebtRow, schedule: Schedule) {
  const money = (minor: bigint) => formatAmount(minor, debt.currency);
  return {
    debtId: debt.id,
    currency: debt.currency,
    payments: schedule.payments.map((p) => ({
      date: p.date,
      payment: money(p.payment),
      interest: money(p.interest),
      principal: money(p.principal),
      balance: money(p.balance),
    })),
    payoffDate: schedule.payoffDate,
    totalInterest: money(schedule.totalInterest),
    totalPaid: money(schedule.payments.reduce((sum, p) => sum + p.payment, 0n)),
  };
}

export function toPlanView(input: { strategy: 'avalanche' | 'snowball'; currency: string; extra: bigint; debts: DebtRow[]; plan: PayoffPlan }) {
  const { currency, debts, plan } = input;
  const money = (minor: bigint) => formatAmount(minor, currency);
  return {
    strategy: input.strategy,
    currency,
    extra: money(input.extra),
    monthlyBudget: money(debts.reduce((sum, d) => sum + d.minimum_payment, 0n) + input.extra),
    order: plan.order.flatMap((entry, position) => {
      const debt = debts[entry.index];
      if (!debt) return [];
      return [
        {
          position: position + 1,
          debtId: debt.id,
          name: debt.name,
          kind: debt.kind,
          balance: money(debt.balance),
          annualRate: formatRate(rateUnits(debt.annual_rate) ?? 0n),
          minimumPayment: money(debt.minimum_payment),
          clearedOn: entry.clearedOn,
          clearedMonth: entry.clearedOn.slice(0, 7),
          monthsToClear: entry.clearedInMonth,
          interest: money(entry.interest),
        },
      ];
    }),
    months: plan.months,
    payoffDate: plan.payoffDate,
    totalInterest: money(plan.totalInterest),
    minimumOnly: plan.minimumOnly && {
      months: plan.minimumOnly.months,
      payoffDate: plan.minimumOnly.payoffDate,
      totalInterest: money(plan.minimumOnly.totalInterest),
    },
    interestSaved: plan.interestSaved === null ? null : money(plan.interestSaved),
  };
}
