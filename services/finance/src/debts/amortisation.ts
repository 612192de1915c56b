/**
 * Interest and amortisation, in bigint minor units. No floats, no clock, no database: a debt's
 * terms and "today" go in, payments come out, so the rules are tested against hand-computed
 * examples.
 *
 * The interest convention:
 * - A month is the billing period from one due date to the next (the due day of each month, or
 *   the month's last day when the month is shorter: due day 31 falls on 28 or 29 February).
 * - A whole period costs balance x annualRate / 12. Part of a period is prorated by days:
 *   balance x annualRate / 12 x days / (days in that period).
 * - Interest compounds at each due date: what accrued up to a due date joins the balance, and the
 *   next period's interest is computed on it.
 * - Each piece (a whole period, or the part of one) is rounded half-up to the minor unit on its own,
 *   as a lender posting interest would.
 * - A payment pays the accrued interest first and the rest reduces the principal. A payment smaller
 *   than the interest leaves the unpaid interest on the balance (its principal part is negative).
 */
import { RATE_SCALE } from './rate.js';
import { daysBetween, type IsoDate } from '@expensio/common';
import { billingPeriodAround, dueDateOnOrAfter, nextDueDateAfter } from './calendar.js';

/** A schedule or plan longer than this is refused, not computed. */
export const MAX_PERIODS = 1200;

const PER_MONTH = 12n * 100n * RATE_SCALE;

/** numerator / denominator rounded to the nearest integer, halves away from zero. */
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  if (numerator < 0n) return -roundHalfUp(-numerator, denominator);
  return (2n * numerator + denominator) / (2n * denominator);
}

/** Interest on `balance` for `days` of a billing period `periodDays` long. */
export function periodInterest(balance: bigint, rate: bigint, days: number, periodDays: number): bigint {
  return roundHalfUp(balance * rate * BigInt(days), PER_MONTH * BigInt(periodDays));
}

/** Interest accrued on `balance` from `from` to `to` (compounding at the due dates between). */
export function accruedInterest(balance: bigint, rate: bigint, from: IsoDate, to: IsoDate, dueDay: number): bigint {
  let owed = balance;
  let cursor = from;
  while (cursor < to) {
    const period = billingPeriodAround(cursor, dueDay);
    const end = period.end < to ? period.end : to;
    owed += periodInterest(owed, rate, daysBetween(cursor, end), daysBetween(period.start, period.end));
    cursor = end;
  }
  return owed - balance;
}

export interface DebtTerms {
  /** What is owed now, after the last payment. */
  balance: bigint;
  /** Annual rate in 1/10,000 of a percent (see rate.ts). */
  rate: bigint;
  minimumPayment: bigint;
  dueDay: number;
  /** The day interest was last settled: the last payment, or the day the balance was stated. */
  lastDate: IsoDate;
}

export interface ScheduledPayment {
  date: IsoDate;
  payment: bigint;
  interest: bigint;
  principal: bigint;
  balance: bigint;
}

export interface Schedule {
  payments: ScheduledPayment[];
  payoffDate: IsoDate | null;
  totalInterest: bigint;
}

/**
 * Why a debt would never be paid off: the caller turns this into a clear 422. With
 * `budget_below_interest` no single debt is to blame: `index` is -1 and `monthlyInterest` is the
 * interest of all the open debts together.
 */
export class NeverPaidOffError extends Error {
  constructor(
    readonly reason: 'minimum_below_interest' | 'budget_below_interest' | 'too_long',
    readonly index: number,
    readonly monthlyInterest: bigint,
  ) {
    super(reason === 'too_long' ? `paying it off would take more than ${MAX_PERIODS} months` : 'the payments do not cover the monthly interest');
    this.name = 'NeverPaidOffError';
  }
}

/** The first payment falls on the first due date from today on, and after the last payment. */
export function firstPaymentDate(terms: Pick<DebtTerms, 'dueDay' | 'lastDate'>, today: IsoDate): IsoDate {
  const candidate = dueDateOnOrAfter(today, terms.dueDay);
  return candidate > terms.lastDate ? candidate : nextDueDateAfter(terms.lastDate, terms.dueDay);
}

interface Runner {
  terms: DebtTerms;
  balance: bigint;
  last: IsoDate;
  next: IsoDate;
  payments: ScheduledPayment[];
  interest: bigint;
  clearedPeriod: number | null;
}

/**
 * Runs debts month by month. Every open debt pays its minimum on its due date; with `rollover`,
 * the monthly budget (all minimums plus `extra`) stays constant, so whatever is left once the
 * minimums are met, including the minimums of debts already cleared, goes to the open debts in
 * `order`, the first one first.
 */
function simulate(debts: DebtTerms[], today: IsoDate, options: { rollover: boolean; extra: bigint; order: number[] }): Runner[] {
  const runners: Runner[] = debts.map((terms) => ({
    terms,
    balance: terms.balance,
    last: terms.lastDate,
    next: firstPaymentDate(terms, today),
    payments: [],
    interest: 0n,
    clearedPeriod: terms.balance > 0n ? null : 0,
  }));
  const budget = runners.reduce((sum, r) => sum + (r.balance > 0n ? r.terms.minimumPayment : 0n), 0n) + options.extra;
  for (let period = 1; runners.some((r) => r.clearedPeriod === null); period += 1) {
    const open = runners.filter((r) => r.clearedPeriod === null);
    const due = open.map((r) => {
      const interest = accruedInterest(r.balance, r.terms.rate, r.last, r.next, r.terms.dueDay);
      // From the second period on, each period is one whole month: a minimum that does not beat
      // its interest never brings the balance down. With rollover the budget as a whole must beat
      // the interest of all open debts instead (checked below): extra may carry a debt whose
      // minimum alone would not.
      if (!options.rollover && period > 1 && r.terms.minimumPayment <= interest)
        throw new NeverPaidOffError('minimum_below_interest', runners.indexOf(r), interest);
      if (period > MAX_PERIODS) throw new NeverPaidOffError('too_long', runners.indexOf(r), interest);
      const owed = r.balance + interest;
      return { r, interest, owed, pay: owed < r.terms.minimumPayment ? owed : r.terms.minimumPayment };
    });
    if (options.rollover) {
      const interest = due.reduce((sum, d) => sum + d.interest, 0n);
      if (period > 1 && budget <= interest) throw new NeverPaidOffError('budget_below_interest', -1, interest);
      let pool = budget - due.reduce((sum, d) => sum + d.pay, 0n);
      for (const index of options.order) {
        const target = due.find((d) => d.r === runners[index]);
        if (!target || pool <= 0n) continue;
        const more = target.owed - target.pay < pool ? target.owed - target.pay : pool;
        target.pay += more;
        pool -= more;
      }
    }
    for (const { r, interest, owed, pay } of due) {
      r.balance = owed - pay;
      r.interest += interest;
      r.payments.push({ date: r.next, payment: pay, interest, principal: pay - interest, balance: r.balance });
      r.last = r.next;
      r.next = nextDueDateAfter(r.next, r.terms.dueDay);
      if (r.balance === 0n) r.clearedPeriod = period;
    }
  }
  return runners;
}

/** Paying exactly the minimum each month (the last payment clears the rest) until paid off. */
export function amortise(terms: DebtTerms, today: IsoDate): Schedule {
  const [runner] = simulate([terms], today, { rollover: false, extra: 0n, order: [] });
  if (!runner) throw new Error('simulation lost its debt');
  return { payments: runner.payments, payoffDate: runner.payments.at(-1)?.date ?? null, totalInterest: runner.interest };
}

export type Strategy = 'avalanche' | 'snowball';

/**
 * The order debts are targeted in, fixed at the start: avalanche by highest rate (then smallest
 * balance), snowball by smallest balance (then highest rate); the given order breaks ties.
 */
export function targetOrder(debts: DebtTerms[], strategy: Strategy): number[] {
  const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
  return debts
    .map((terms, index) => ({ terms, index }))
    .filter(({ terms }) => terms.balance > 0n)
    .sort((a, b) => {
      const byRate = cmp(b.terms.rate, a.terms.rate);
      const byBalance = cmp(a.terms.balance, b.terms.balance);
      const first = strategy === 'avalanche' ? byRate || byBalance : byBalance || byRate;
      return first || a.index - b.index;
    })
    .map(({ index }) => index);
}

export interface PlannedDebt {
  /** Position of the debt in the input. */
  index: number;
  clearedOn: IsoDate;
  /** 1 for the first payment month. */
  clearedInMonth: number;
  interest: bigint;
}

export interface PayoffPlan {
  order: PlannedDebt[];
  months: number;
  payoffDate: IsoDate | null;
  totalInterest: bigint;
  /** null when the minimums alone would never clear every debt. */
  minimumOnly: { months: number; payoffDate: IsoDate | null; totalInterest: bigint } | null;
  interestSaved: bigint | null;
}

function summarise(runners: Runner[]) {
  const months = Math.max(0, ...runners.map((r) => r.clearedPeriod ?? 0));
  const dates = runners.map((r) => r.payments.at(-1)?.date).filter((d): d is IsoDate => d !== undefined);
  const payoffDate = dates.length === 0 ? null : dates.reduce((a, b) => (a > b ? a : b));
  return { months, payoffDate, totalInterest: runners.reduce((sum, r) => sum + r.interest, 0n) };
}

/** The payoff order with the month each debt clears, against paying only the minimums. */
export function payoffPlan(debts: DebtTerms[], options: { strategy: Strategy; extra: bigint; today: IsoDate }): PayoffPlan {
  const order = targetOrder(debts, options.strategy);
  const runners = simulate(debts, options.today, { rollover: true, extra: options.extra, order });
  const plan = summarise(runners);
  const minimumOnly = minimumsOnly(debts, options.today);
  return {
    order: order.map((index) => {
      const r = runners[index];
      const last = r?.payments.at(-1);
      if (!r || !last || r.clearedPeriod === null) throw new Error('a planned debt was not cleared');
      return { index, clearedOn: last.date, clearedInMonth: r.clearedPeriod, interest: r.interest };
    }),
    ...plan,
    minimumOnly,
    interestSaved: minimumOnly === null ? null : minimumOnly.totalInterest - plan.totalInterest,
  };
}

function minimumsOnly(debts: DebtTerms[], today: IsoDate): PayoffPlan['minimumOnly'] {
  try {
    return summarise(simulate(debts, today, { rollover: false, extra: 0n, order: [] }));
  } catch (error) {
    if (error instanceof NeverPaidOffError) return null;
    throw error;
  }
}
