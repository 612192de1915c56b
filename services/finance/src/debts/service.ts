import {
  ConflictError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
  decodeCursor,
  fieldError,
  newId,
  dateInZone,
  toEpochDay,
  type IsoDate,
} from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { DebtKind, FinanceDb } from '../db.js';
import { formatAmount, parseAmount } from '../shared/money.js';
import { accruedInterest, amortise, NeverPaidOffError, payoffPlan, MAX_PERIODS, type DebtTerms, type Strategy } from './amortisation.js';
import { formatRate, parseRate, rateUnits } from './rate.js';
import {
  allDebts,
  deleteDebt,
  findDebt,
  insertDebt,
  insertPayment,
  listDebts,
  listPayments,
  lockDebt,
  updateDebt,
  type DebtRow,
  type PaymentRow,
} from './repo.js';
import type { Answer } from '../shared/idempotency.js';
import { userTimeZone, userToday } from '../users/time-zone.js';

/** Today is the user's calendar day (their time zone), as for budgets: due dates and payments are days of theirs. */
export const debtToday = (ctx: FinanceContext, db: FinanceDb, userId: string): Promise<IsoDate> => userToday(db, userId, ctx.clock.now());

export async function requireDebt(db: FinanceDb, userId: string, id: string): Promise<DebtRow> {
  const debt = await findDebt(db, { userId, id });
  if (!debt) throw new NotFoundError(`No debt ${id}`, 'debt_not_found');
  return debt;
}

export function rateOf(debt: DebtRow): bigint {
  const units = rateUnits(debt.annual_rate);
  if (units === null) throw new Error(`stored rate ${debt.annual_rate} is not a rate`);
  return units;
}

/** The day interest was last settled: the last payment, or the day the opening balance was owed. */
export function lastSettled(debt: DebtRow): IsoDate {
  return debt.last_paid_at ?? debt.start_date;
}

export function termsOf(debt: DebtRow): DebtTerms {
  return { balance: debt.balance, rate: rateOf(debt), minimumPayment: debt.minimum_payment, dueDay: debt.due_day, lastDate: lastSettled(debt) };
}

/** Interest accrued since the last payment up to today (the user's): what a payment today would pay first. */
export function accruedOn(debt: DebtRow, today: IsoDate): bigint {
  return accruedInterest(debt.balance, rateOf(debt), lastSettled(debt), today, debt.due_day);
}

function notInFuture(today: IsoDate, day: IsoDate, field: string) {
  if (day > today) throw fieldError(field, `${field} cannot be later than today (${today})`, 'date_in_future');
}

function neverPaidOff(error: NeverPaidOffError, debt: { name: string; currency: string; minimum_payment: bigint }): UnprocessableError {
  if (error.reason === 'too_long') {
    return new UnprocessableError(
      `"${debt.name}" would take more than ${MAX_PERIODS} months to pay off at its minimum payment; raise the minimum payment`,
      'payoff_too_long',
    );
  }
  const money = (minor: bigint) => `${formatAmount(minor, debt.currency)} ${debt.currency}`;
  return new UnprocessableError(
    `"${debt.name}" would never be paid off: its minimum payment of ${money(debt.minimum_payment)} does not cover the monthly interest of ${money(error.monthlyInterest)}; raise the minimum payment`,
    'minimum_below_interest',
  );
}

export async function getDebts(ctx: FinanceContext, userId: string, input: { limit: number; cursor?: string | undefined }) {
  return listDebts(ctx.db, { userId, limit: input.limit, cursor: input.cursor === undefined ? undefined : decodeCursor(input.cursor) });
}

export interface DebtInput {
  name: string;
  kind: DebtKind;
  balance: string | number;
  currency?: string | undefined;
  annualRate: string | number;
  minimumPayment: string | number;
  dueDay: number;
  startDate?: string | undefined;
}

export async function createDebt(ctx: FinanceContext, userId: string, input: DebtInput): Promise<DebtRow> {
  const currency = input.currency ?? ctx.config.DEFAULT_CURRENCY;
  const openingBalance = parseAmount(input.balance, currency, 'balance');
  if (openingBalance < 0n) throw fieldError('balance', 'balance must be zero or more: it is what you owe', 'invalid_amount');
  const minimumPayment = parseAmount(input.minimumPayment, currency, 'minimumPayment', { positive: true });
  const annualRate = formatRate(parseRate(input.annualRate, 'annualRate'));
  const today = await debtToday(ctx, ctx.db, userId);
  const startDate = input.startDate ?? today;
  notInFuture(today, startDate, 'startDate');
  const id = newId();
  await insertDebt(ctx.db, {
    id,
    userId,
    name: input.name,
    kind: input.kind,
    currency,
    openingBalance,
    startDate,
    annualRate,
    minimumPayment,
    dueDay: input.dueDay,
    now: ctx.clock.now(),
  });
  return requireDebt(ctx.db, userId, id);
}

export async function changeDebt(ctx: FinanceContext, userId: string, id: string, input: Partial<Omit<DebtInput, 'currency'>>): Promise<DebtRow> {
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await lockDebt(trx, { userId, id }))) throw new NotFoundError(`No debt ${id}`, 'debt_not_found');
    const debt = await requireDebt(trx, userId, id);
    if ((input.balance !== undefined || input.startDate !== undefined) && debt.payment_count > 0) {
      throw new ConflictError(
        'This debt has payments, which were split against its balance and start date: those can only change before the first payment',
        'debt_has_payments',
      );
    }
    const openingBalance = input.balance === undefined ? undefined : parseAmount(input.balance, debt.currency, 'balance');
    if (openingBalance !== undefined && openingBalance < 0n) throw fieldError('balance', 'balance must be zero or more: it is what you owe', 'invalid_amount');
    if (input.startDate !== undefined) notInFuture(await debtToday(ctx, trx, userId), input.startDate, 'startDate');
    await updateDebt(trx, {
      userId,
      id,
      now: ctx.clock.now(),
      changes: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.kind !== undefined && { kind: input.kind }),
        ...(openingBalance !== undefined && { opening_balance: openingBalance }),
        ...(input.startDate !== undefined && { start_date: input.startDate }),
        ...(input.annualRate !== undefined && { annual_rate: formatRate(parseRate(input.annualRate, 'annualRate')) }),
        ...(input.minimumPayment !== undefined && { minimum_payment: parseAmount(input.minimumPayment, debt.currency, 'minimumPayment', { positive: true }) }),
        ...(input.dueDay !== undefined && { due_day: input.dueDay }),
      },
    });
    return requireDebt(trx, userId, id);
  });
}

export async function removeDebt(ctx: FinanceContext, userId: string, id: string): Promise<void> {
  if ((await deleteDebt(ctx.db, { userId, id })) === 0) throw new NotFoundError(`No debt ${id}`, 'debt_not_found');
}

/** "2026-03-15" stays; a timestamp counts as the day it was in the user's zone. */
function dayOf(value: string, timeZone: string): IsoDate {
  return value.length === 10 ? value : dateInZone(new Date(value), timeZone);
}

/**
 * Records a payment: the interest accrued since the last payment (or the start) is paid first and
 * the rest reduces the principal; both parts are stored. The debt row is locked so two payments
 * at once split one after the other.
 */
export async function pay(
  ctx: FinanceContext,
  userId: string,
  debtId: string,
  input: { amount: string | number; paidAt?: string | undefined; currency?: string | undefined },
  answer?: Answer<{ payment: PaymentRow; debt: DebtRow }>,
): Promise<{ payment: PaymentRow; debt: DebtRow }> {
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await lockDebt(trx, { userId, id: debtId }))) throw new NotFoundError(`No debt ${debtId}`, 'debt_not_found');
    const debt = await requireDebt(trx, userId, debtId);
    if (input.currency !== undefined && input.currency !== debt.currency) {
      throw new UnprocessableError(`The debt is in ${debt.currency}; pay in ${debt.currency}`, 'currency_mismatch');
    }
    const amount = parseAmount(input.amount, debt.currency, 'amount', { positive: true });
    const timeZone = await userTimeZone(trx, userId);
    const today = dateInZone(ctx.clock.now(), timeZone);
    const paidAt = input.paidAt === undefined ? today : dayOf(input.paidAt, timeZone);
    notInFuture(today, paidAt, 'paidAt');
    const from = lastSettled(debt);
    if (toEpochDay(paidAt) < toEpochDay(from)) {
      const what = debt.last_paid_at === null ? 'the day the balance was owed (startDate)' : 'the last payment';
      throw new UnprocessableError(`A payment cannot be dated before ${what}, ${from}: interest up to then is already settled`, 'payment_out_of_order');
    }
    const interest = accruedInterest(debt.balance, rateOf(debt), from, paidAt, debt.due_day);
    const owed = debt.balance + interest;
    if (owed === 0n) throw new UnprocessableError('This debt is paid off', 'debt_paid_off');
    if (amount > owed) {
      throw new UnprocessableError(
        `This pays more than is owed: ${formatAmount(owed, debt.currency)} ${debt.currency} (with interest) pays the debt off on ${paidAt}`,
        'overpayment',
      );
    }
    const id = newId();
    await insertPayment(trx, { id, debtId, userId, amount, interest, principal: amount - interest, paidAt, now: ctx.clock.now() });
    const [payment] = (await listPayments(trx, { userId, debtId, ids: [id], limit: 1 })).rows;
    if (!payment) throw new Error('payment vanished after insert');
    const result = { payment, debt: await requireDebt(trx, userId, debtId) };
    await answer?.(trx, result);
    return result;
  });
}

export async function getPayments(ctx: FinanceContext, userId: string, debtId: string, input: { limit: number; cursor?: string | undefined }) {
  const debt = await requireDebt(ctx.db, userId, debtId);
  const page = await listPayments(ctx.db, { userId, debtId, limit: input.limit, cursor: input.cursor === undefined ? undefined : decodeCursor(input.cursor) });
  return { debt, ...page };
}

export async function schedule(ctx: FinanceContext, userId: string, debtId: string) {
  const debt = await requireDebt(ctx.db, userId, debtId);
  try {
    return { debt, schedule: amortise(termsOf(debt), await debtToday(ctx, ctx.db, userId)) };
  } catch (error) {
    if (error instanceof NeverPaidOffError) throw neverPaidOff(error, debt);
    throw error;
  }
}

/**
 * A plan covers the debts of one currency: the one asked for, or the only one the user's debts
 * use. Debts in several currencies without `currency` are a 422 naming them, never a sum of
 * unlike money.
 */
export async function plan(ctx: FinanceContext, userId: string, input: { strategy: Strategy; extra?: string | undefined; currency?: string | undefined }) {
  let debts = await allDebts(ctx.db, { userId, currency: input.currency });
  let currency = input.currency;
  if (currency === undefined) {
    const currencies = [...new Set(debts.map((d) => d.currency))].sort();
    if (currencies.length > 1) {
      throw new UnprocessableError(`Your debts are in ${currencies.join(', ')}: ask for a plan in one of them with ?currency=`, 'currency_required');
    }
    currency = currencies[0] ?? ctx.config.DEFAULT_CURRENCY;
  }
  let extra = 0n;
  if (input.extra !== undefined) {
    try {
      extra = parseAmount(input.extra, currency, 'extra');
    } catch {
      extra = -1n;
    }
    if (extra < 0n) {
      throw new ValidationError(`extra must be an amount of zero or more in ${currency}`, [
        { field: 'extra', in: 'querystring', message: `must be an amount of zero or more in ${currency}`, code: 'invalid_amount' },
      ]);
    }
  }
  debts = debts.filter((d) => d.balance > 0n);
  const today = await debtToday(ctx, ctx.db, userId);
  try {
    return { currency, extra, debts, plan: payoffPlan(debts.map(termsOf), { strategy: input.strategy, extra, today }) };
  } catch (error) {
    if (error instanceof NeverPaidOffError && error.reason === 'budget_below_interest') {
      const money = (minor: bigint) => `${formatAmount(minor, currency)} ${currency}`;
      const budget = debts.reduce((sum, d) => sum + d.minimum_payment, 0n) + extra;
      throw new UnprocessableError(
        `Your debts would never be paid off: the ${money(budget)} paid each month (all minimums plus extra) does not cover their monthly interest of ${money(error.monthlyInterest)}; raise extra or the minimum payments`,
        'minimum_below_interest',
      );
    }
    if (error instanceof NeverPaidOffError) {
      const debt = debts[error.index];
      if (debt) throw neverPaidOff(error, debt);
    }
    throw error;
  }
}
