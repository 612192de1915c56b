import { describe, expect, it } from 'vitest';
import {
  accruedInterest,
  amortise,
  firstPaymentDate,
  NeverPaidOffError,
  payoffPlan,
  periodInterest,
  roundHalfUp,
  targetOrder,
  type DebtTerms,
} from '../src/debts/amortisation.js';
import { addMonths, wholeMonthsBetween } from '@expensio/common';
import { billingPeriodAround } from '../src/debts/calendar.js';
import { formatRate, parseRate } from '../src/debts/rate.js';

const pct = (text: string) => parseRate(text, 'annualRate');

describe('rounding and rates', () => {
  it('rounds halves up (away from zero), never to even', () => {
    expect(roundHalfUp(1005n, 10n)).toBe(101n); // 100.5 -> 101
    expect(roundHalfUp(1004n, 10n)).toBe(100n);
    expect(roundHalfUp(1015n, 10n)).toBe(102n); // banker's rounding would give 102 here too
    expect(roundHalfUp(1025n, 10n)).toBe(103n); // ... but 102 here
    expect(roundHalfUp(-1005n, 10n)).toBe(-101n);
  });

  it('keeps rates exact: "12.5" is 125000 ten-thousandths of a percent and prints back the same', () => {
    expect(pct('12.5')).toBe(125_000n);
    expect(pct('0')).toBe(0n);
    expect(pct('19.9999')).toBe(199_999n);
    expect(formatRate(125_000n)).toBe('12.5');
    expect(formatRate(120_000n)).toBe('12');
    expect(formatRate(5n)).toBe('0.0005');
    expect(() => pct('12.34567')).toThrow();
    expect(() => pct('-1')).toThrow();
    expect(() => pct('1000')).toThrow();
  });

  it('a whole month at 12% on 1,000.50 is 10.005, rounded half-up to 10.01', () => {
    expect(periodInterest(100_050n, pct('12'), 30, 30)).toBe(1_001n);
  });
});

describe('calendar of due dates', () => {
  it('a due day past the end of a month falls on its last day, and each billing period is one month', () => {
    expect(billingPeriodAround('2026-02-10', 31)).toEqual({ start: '2026-01-31', end: '2026-02-28' });
    expect(billingPeriodAround('2026-02-28', 31)).toEqual({ start: '2026-02-28', end: '2026-03-31' });
    expect(billingPeriodAround('2028-02-29', 30)).toEqual({ start: '2028-02-29', end: '2028-03-30' });
    // 1,000.00 at 12%: each of these periods is one whole month, however many days it has.
    expect(accruedInterest(100_000n, pct('12'), '2026-01-31', '2026-02-28', 31)).toBe(1_000n);
    expect(accruedInterest(100_000n, pct('12'), '2026-02-28', '2026-03-31', 31)).toBe(1_000n);
  });

  it('counts whole months the calendar way', () => {
    expect(wholeMonthsBetween('2026-03-15', '2026-12-31')).toBe(9);
    expect(wholeMonthsBetween('2026-03-15', '2026-04-14')).toBe(0);
    expect(wholeMonthsBetween('2026-01-31', '2026-02-28')).toBe(1);
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    // The first payment: the first due date from today on that is after the last payment.
    expect(firstPaymentDate({ lastDate: '2026-03-15', dueDay: 15 }, '2026-03-15')).toBe('2026-04-15');
    expect(firstPaymentDate({ lastDate: '2026-03-01', dueDay: 15 }, '2026-03-15')).toBe('2026-03-15');
    expect(firstPaymentDate({ lastDate: '2026-01-20', dueDay: 10 }, '2026-03-15')).toBe('2026-04-10');
  });
});

describe('interest accrued between two days', () => {
  it('compounds at each due date and prorates the part of a period by its days (hand-computed)', () => {
    // 1,000.00 at 12% a year (1% a month), due day 1, from 1 January to 16 March 2026:
    //   1 Jan -> 1 Feb, a whole period: 1,000.00 x 1%            = 10.00   -> balance 1,010.00
    //   1 Feb -> 1 Mar, a whole period: 1,010.00 x 1%            = 10.10   -> balance 1,020.10
    //   1 Mar -> 16 Mar, 15 of March's 31 days: 1,020.10 x 1% x 15/31 = 4.93597 -> 4.94
    //   total 10.00 + 10.10 + 4.94 = 25.04
    expect(accruedInterest(100_000n, pct('12'), '2026-01-01', '2026-03-16', 1)).toBe(2_504n);
    expect(accruedInterest(100_000n, pct('12'), '2026-03-16', '2026-03-16', 1)).toBe(0n);
    expect(accruedInterest(100_000n, 0n, '2026-01-01', '2027-01-01', 1)).toBe(0n);
  });
});

describe('amortisation schedule', () => {
  it('matches the hand-computed schedule of a 500.00 loan at 18% paying 100.00 on the 10th', () => {
    // 500.00 at 18% a year = 1.5% a month, minimum 100.00, due day 10, balance stated on
    // 15 March 2026 (today). The first payment is on 10 April; its billing period is 10 March ->
    // 10 April (31 days), of which 15 March -> 10 April is 26 days.
    //  date        interest                                        payment  principal  balance
    //  2026-04-10  500.00 x 1.5% x 26/31 = 7.5 x 26/31 = 6.29032 -> 6.29   100.00    93.71   406.29
    //  2026-05-10  406.29 x 1.5% = 6.09435 -> 6.09                         100.00    93.91   312.38
    //  2026-06-10  312.38 x 1.5% = 4.68570 -> 4.69                         100.00    95.31   217.07
    //  2026-07-10  217.07 x 1.5% = 3.25605 -> 3.26                         100.00    96.74   120.33
    //  2026-08-10  120.33 x 1.5% = 1.80495 -> 1.80                         100.00    98.20    22.13
    //  2026-09-10   22.13 x 1.5% = 0.33195 -> 0.33   (last: 22.13 + 0.33)   22.46    22.13     0.00
    // Total interest 6.29 + 6.09 + 4.69 + 3.26 + 1.80 + 0.33 = 22.46 (= 522.46 paid - 500.00 borrowed).
    const schedule = amortise({ balance: 50_000n, rate: pct('18'), minimumPayment: 10_000n, dueDay: 10, lastDate: '2026-03-15' }, '2026-03-15');
    expect(schedule.payments).toEqual([
      { date: '2026-04-10', payment: 10_000n, interest: 629n, principal: 9_371n, balance: 40_629n },
      { date: '2026-05-10', payment: 10_000n, interest: 609n, principal: 9_391n, balance: 31_238n },
      { date: '2026-06-10', payment: 10_000n, interest: 469n, principal: 9_531n, balance: 21_707n },
      { date: '2026-07-10', payment: 10_000n, interest: 326n, principal: 9_674n, balance: 12_033n },
      { date: '2026-08-10', payment: 10_000n, interest: 180n, principal: 9_820n, balance: 2_213n },
      { date: '2026-09-10', payment: 2_246n, interest: 33n, principal: 2_213n, balance: 0n },
    ]);
    expect(schedule.payoffDate).toBe('2026-09-10');
    expect(schedule.totalInterest).toBe(2_246n);
  });

  it('a paid-off debt has an empty schedule', () => {
    expect(amortise({ balance: 0n, rate: pct('18'), minimumPayment: 100n, dueDay: 1, lastDate: '2026-03-01' }, '2026-03-15')).toEqual({
      payments: [],
      payoffDate: null,
      totalInterest: 0n,
    });
  });

  it('refuses, rather than loops, when the minimum does not beat the monthly interest', () => {
    // 1,000.00 at 12%: 10.00 a month, and the minimum is exactly 10.00.
    const terms: DebtTerms = { balance: 100_000n, rate: pct('12'), minimumPayment: 1_000n, dueDay: 15, lastDate: '2026-03-15' };
    expect(() => amortise(terms, '2026-03-15')).toThrow(NeverPaidOffError);
    // One minor unit more and it ends (after a long time, but it ends).
    const schedule = amortise({ ...terms, minimumPayment: 1_001n }, '2026-03-15');
    expect(schedule.payments.at(-1)?.balance).toBe(0n);
    // A schedule longer than 100 years is refused too.
    expect(() => amortise({ ...terms, rate: 0n, minimumPayment: 1n }, '2026-03-15')).toThrow(/more than 1200 months/);
  });
});

describe('payoff plan', () => {
  const today = '2026-03-15';
  // D1: 100.00 at 12% (1% a month), minimum 30.00; D2: 200.00 at 24% (2% a month), minimum 50.00;
  // both due on the 15th, balances stated today, so every period is a whole month. Extra 20.00:
  // the monthly budget is 30 + 50 + 20 = 100.00.
  const debts: DebtTerms[] = [
    { balance: 10_000n, rate: pct('12'), minimumPayment: 3_000n, dueDay: 15, lastDate: today },
    { balance: 20_000n, rate: pct('24'), minimumPayment: 5_000n, dueDay: 15, lastDate: today },
  ];

  it('avalanche: highest rate first, leftovers roll to the next target (hand-computed)', () => {
    // Minimums only:
    //   D1: 04-15 int 1.00 -> 71.00; 05-15 0.71 -> 41.71; 06-15 0.4171->0.42 -> 12.13;
    //       07-15 0.1213->0.12, pays 12.25 -> 0.                              interest 2.25
    //   D2: 04-15 int 4.00 -> 154.00; 05-15 3.08 -> 107.08; 06-15 2.1416->2.14 -> 59.22;
    //       07-15 1.1844->1.18 -> 10.40; 08-15 0.208->0.21, pays 10.61 -> 0.  interest 10.61
    //   total 12.86, all paid on 2026-08-15 (5 months).
    // Avalanche targets D2 (24%):
    //   04-15 D1 int 1.00, pays 30 -> 71.00;  D2 int 4.00, pays 50 + 20 = 70 -> 134.00
    //   05-15 D1 int 0.71, pays 30 -> 41.71;  D2 int 2.68, pays 70 -> 66.68
    //   06-15 D1 int 0.42 (owes 42.13);        D2 int 1.3336->1.33, owes 68.01: pays 68.01, cleared;
    //         the 1.99 left of the budget goes to D1: pays 31.99 -> 10.14
    //   07-15 D1 int 0.1014->0.10, pays 10.24, cleared.
    //   interest D1 1.00+0.71+0.42+0.10 = 2.23, D2 4.00+2.68+1.33 = 8.01, total 10.24; saved 2.62.
    const plan = payoffPlan(debts, { strategy: 'avalanche', extra: 2_000n, today });
    expect(plan.order).toEqual([
      { index: 1, clearedOn: '2026-06-15', clearedInMonth: 3, interest: 801n },
      { index: 0, clearedOn: '2026-07-15', clearedInMonth: 4, interest: 223n },
    ]);
    expect(plan).toMatchObject({ months: 4, payoffDate: '2026-07-15', totalInterest: 1_024n, interestSaved: 262n });
    expect(plan.minimumOnly).toEqual({ months: 5, payoffDate: '2026-08-15', totalInterest: 1_286n });
  });

  it('snowball: smallest balance first (hand-computed)', () => {
    // Snowball targets D1 (100.00):
    //   04-15 D1 int 1.00, pays 30 + 20 = 50 -> 51.00;  D2 int 4.00, pays 50 -> 154.00
    //   05-15 D1 int 0.51, pays 50 -> 1.51;             D2 int 3.08, pays 50 -> 107.08
    //   06-15 D1 int 0.0151->0.02, pays 1.53, cleared;  the 48.47 left goes to D2:
    //         D2 int 2.14, owes 109.22, pays 50 + 48.47 = 98.47 -> 10.75
    //   07-15 D2 int 10.75 x 2% = 0.215 -> 0.22 (half-up), pays 10.97, cleared.
    //   interest D1 1.53, D2 9.44, total 10.97; saved 12.86 - 10.97 = 1.89.
    const plan = payoffPlan(debts, { strategy: 'snowball', extra: 2_000n, today });
    expect(plan.order).toEqual([
      { index: 0, clearedOn: '2026-06-15', clearedInMonth: 3, interest: 153n },
      { index: 1, clearedOn: '2026-07-15', clearedInMonth: 4, interest: 944n },
    ]);
    expect(plan).toMatchObject({ months: 4, payoffDate: '2026-07-15', totalInterest: 1_097n, interestSaved: 189n });
  });

  it('rolls the minimums of cleared debts over even without extra (0% debts, hand-computed)', () => {
    // A 300.00 min 50.00, B 500.00 min 100.00, no interest, due on the 1st; budget 150.00 a month.
    // Without extra nothing is left over until B clears in month 5 (1 August); A owes its last
    // 50.00 in month 6 (1 September) either way.
    const zero: DebtTerms[] = [
      { balance: 30_000n, rate: 0n, minimumPayment: 5_000n, dueDay: 1, lastDate: today },
      { balance: 50_000n, rate: 0n, minimumPayment: 10_000n, dueDay: 1, lastDate: today },
    ];
    const plan = payoffPlan(zero, { strategy: 'snowball', extra: 0n, today });
    expect(plan.order.map((o) => [o.index, o.clearedOn])).toEqual([
      [0, '2026-09-01'],
      [1, '2026-08-01'],
    ]);
    // With 50.00 extra: month 1 A 100 -> 200, B 100 -> 400; month 2 A 100, B 300; month 3 A
    // clears, B 200; month 4 B gets 100 + A's rolled 50 + 50 extra = 200 and clears.
    const faster = payoffPlan(zero, { strategy: 'snowball', extra: 5_000n, today });
    expect(faster.order.map((o) => [o.index, o.clearedOn, o.clearedInMonth])).toEqual([
      [0, '2026-06-01', 3],
      [1, '2026-07-01', 4],
    ]);
    expect(faster.interestSaved).toBe(0n);
  });

  it('plans with extra a debt whose minimum does not cover its interest, hand-computed', () => {
    // 200.00 at 12% (2.00 of interest a month), minimum 1.00, extra 100.00: 101.00 a month.
    //   04-15 int 2.00 -> 202.00, pays 101.00 -> 101.00
    //   05-15 int 1.01 -> 102.01, pays 101.00 -> 1.01
    //   06-15 int 0.0101 -> 0.01, pays 1.02, cleared; interest 3.02.
    const short: DebtTerms[] = [{ balance: 20_000n, rate: pct('12'), minimumPayment: 100n, dueDay: 15, lastDate: today }];
    const plan = payoffPlan(short, { strategy: 'avalanche', extra: 10_000n, today });
    expect(plan.order).toEqual([{ index: 0, clearedOn: '2026-06-15', clearedInMonth: 3, interest: 302n }]);
    // Minimums alone never finish: there is nothing to compare with.
    expect(plan).toMatchObject({ months: 3, totalInterest: 302n, minimumOnly: null, interestSaved: null });
  });

  it('refuses a plan only when the whole monthly budget does not cover the interest of all debts', () => {
    // 2.00 + 1.00 of interest a month against minimums 1.00 + 1.00 and extra 0.50: month 1 leaves
    // 0.50 unpaid on the first debt, so month 2 owes 2.01 + 1.00 and the plan stops there.
    const both: DebtTerms[] = [
      { balance: 20_000n, rate: pct('12'), minimumPayment: 100n, dueDay: 15, lastDate: today },
      { balance: 10_000n, rate: pct('12'), minimumPayment: 100n, dueDay: 15, lastDate: today },
    ];
    const refused = (() => {
      try {
        return payoffPlan(both, { strategy: 'avalanche', extra: 50n, today });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(NeverPaidOffError);
    expect(refused).toMatchObject({ reason: 'budget_below_interest', monthlyInterest: 301n });
    expect(payoffPlan(both, { strategy: 'avalanche', extra: 200n, today }).order).toHaveLength(2);
  });

  it('orders avalanche by rate and snowball by balance, ties broken by the other and then input order', () => {
    const three: DebtTerms[] = [
      { balance: 50_000n, rate: pct('10'), minimumPayment: 2_500n, dueDay: 5, lastDate: today },
      { balance: 200_000n, rate: pct('25'), minimumPayment: 6_000n, dueDay: 20, lastDate: today },
      { balance: 120_000n, rate: pct('18'), minimumPayment: 4_000n, dueDay: 12, lastDate: today },
    ];
    expect(targetOrder(three, 'avalanche')).toEqual([1, 2, 0]);
    expect(targetOrder(three, 'snowball')).toEqual([0, 2, 1]);
  });
});
