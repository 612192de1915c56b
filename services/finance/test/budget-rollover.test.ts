import { describe, expect, it } from 'vitest';
import {
  budgetLedger,
  combinePeriods,
  carryOver,
  foldPeriods,
  percentUsed,
  statusOf,
  thresholdsReached,
  type BudgetTerms,
  type RolloverRule,
} from '../src/budgets/rollover.js';

// Pure arithmetic, no database. Amounts are cents.
const fold = (spent: bigint[], rule: RolloverRule, budgeted = 100_00n) =>
  foldPeriods(
    budgeted,
    spent.map((s) => ({ spent: s })),
    rule,
  ).map(({ rolledOver, available, remaining }) => ({ rolledOver, available, remaining }));

// Budget 100.00; spent 60.00, then 170.00 (an overspend), then 50.00.
const THREE = [60_00n, 170_00n, 50_00n];

describe('foldPeriods: rollover across three periods with an overspend', () => {
  it('none: every period starts from the budgeted amount', () => {
    expect(fold(THREE, { mode: 'none', cap: null })).toEqual([
      { rolledOver: 0n, available: 100_00n, remaining: 40_00n },
      { rolledOver: 0n, available: 100_00n, remaining: -70_00n },
      { rolledOver: 0n, available: 100_00n, remaining: 50_00n },
    ]);
  });

  it('surplus: the 40.00 left carries; the overspend does not', () => {
    expect(fold(THREE, { mode: 'surplus', cap: null })).toEqual([
      { rolledOver: 0n, available: 100_00n, remaining: 40_00n },
      // 100 + 40 = 140 available, 170 spent: -30 left, which is not carried.
      { rolledOver: 40_00n, available: 140_00n, remaining: -30_00n },
      { rolledOver: 0n, available: 100_00n, remaining: 50_00n },
    ]);
  });

  it('surplus_and_deficit: the overspend carries as a negative', () => {
    expect(fold(THREE, { mode: 'surplus_and_deficit', cap: null })).toEqual([
      { rolledOver: 0n, available: 100_00n, remaining: 40_00n },
      { rolledOver: 40_00n, available: 140_00n, remaining: -30_00n },
      // 100 - 30 = 70 available, 50 spent.
      { rolledOver: -30_00n, available: 70_00n, remaining: 20_00n },
    ]);
  });

  it('the cap bounds what carries, in both directions', () => {
    expect(fold(THREE, { mode: 'surplus', cap: 25_00n })).toEqual([
      { rolledOver: 0n, available: 100_00n, remaining: 40_00n },
      // Only 25 of the 40 carries: 125 available, 170 spent.
      { rolledOver: 25_00n, available: 125_00n, remaining: -45_00n },
      { rolledOver: 0n, available: 100_00n, remaining: 50_00n },
    ]);
    expect(fold(THREE, { mode: 'surplus_and_deficit', cap: 25_00n })).toEqual([
      { rolledOver: 0n, available: 100_00n, remaining: 40_00n },
      { rolledOver: 25_00n, available: 125_00n, remaining: -45_00n },
      // A deficit of 45 carries as -25 at most.
      { rolledOver: -25_00n, available: 75_00n, remaining: 25_00n },
    ]);
  });

  it('surpluses accumulate until the cap', () => {
    expect(fold([0n, 0n, 0n, 0n], { mode: 'surplus', cap: null }).map((p) => p.available)).toEqual([100_00n, 200_00n, 300_00n, 400_00n]);
    expect(fold([0n, 0n, 0n, 0n], { mode: 'surplus', cap: 150_00n }).map((p) => p.available)).toEqual([100_00n, 200_00n, 250_00n, 250_00n]);
    // Deficits accumulate the same way under surplus_and_deficit.
    expect(fold([150_00n, 150_00n, 0n], { mode: 'surplus_and_deficit', cap: null }).map((p) => p.available)).toEqual([100_00n, 50_00n, 0n]);
  });

  it('carryOver with a zero cap carries nothing', () => {
    expect(carryOver(40_00n, { mode: 'surplus', cap: 0n })).toBe(0n);
    expect(carryOver(-40_00n, { mode: 'surplus_and_deficit', cap: 0n })).toBe(0n);
    expect(carryOver(-40_00n, { mode: 'surplus', cap: null })).toBe(0n);
  });
});

describe('thresholds, status and percent used', () => {
  it('warning from 80%, over past 100%, in exact integers', () => {
    expect(thresholdsReached(79_99n, 100_00n)).toEqual([]);
    expect(thresholdsReached(80_00n, 100_00n)).toEqual([80]);
    expect(thresholdsReached(100_00n, 100_00n)).toEqual([80]);
    expect(thresholdsReached(100_01n, 100_00n)).toEqual([80, 100]);
    expect(statusOf(79_99n, 100_00n)).toBe('ok');
    expect(statusOf(80_00n, 100_00n)).toBe('warning');
    expect(statusOf(100_00n, 100_00n)).toBe('warning');
    expect(statusOf(100_01n, 100_00n)).toBe('over');
  });

  it('with nothing available, any spending (or a carried deficit) is over', () => {
    expect(statusOf(0n, 0n)).toBe('warning');
    expect(statusOf(1n, 0n)).toBe('over');
    expect(statusOf(0n, -10_00n)).toBe('over');
    expect(percentUsed(5_00n, 0n)).toBeNull();
    expect(percentUsed(5_00n, -10_00n)).toBeNull();
  });

  it('percentUsed is truncated to two decimals', () => {
    expect(percentUsed(79_99n, 100_00n)).toBe(79.99);
    expect(percentUsed(2n, 3n)).toBe(66.66);
    expect(percentUsed(50_00n, 70_00n)).toBe(71.42);
    expect(percentUsed(0n, 100_00n)).toBe(0);
    expect(percentUsed(170_00n, 100_00n)).toBe(170);
  });
});

describe('budgetLedger: periods from the one holding the start date', () => {
  const terms = (t: Partial<BudgetTerms>): BudgetTerms => ({
    amount: 100_00n,
    period: 'monthly',
    startDate: '2026-01-31',
    rollover: 'surplus',
    rolloverCap: null,
    ...t,
  });

  it('monthly: calendar months from the first of the start month, empty months spent nothing', () => {
    const ledger = budgetLedger(
      terms({}),
      new Map([
        ['2026-01-01', 30_00n],
        ['2026-03-01', 5_00n],
      ]),
      '2026-03-01',
    );
    expect(ledger.map((p) => [p.startDate, p.endDate, p.spent, p.rolledOver])).toEqual([
      ['2026-01-01', '2026-02-01', 30_00n, 0n],
      ['2026-02-01', '2026-03-01', 0n, 70_00n],
      ['2026-03-01', '2026-04-01', 5_00n, 170_00n],
    ]);
  });

  it('weekly: ISO weeks from Monday, across a year boundary', () => {
    // 2026-01-01 is a Thursday: its ISO week began on Monday 2025-12-29.
    const ledger = budgetLedger(terms({ period: 'weekly', startDate: '2026-01-01' }), new Map(), '2026-01-05');
    expect(ledger.map((p) => p.startDate)).toEqual(['2025-12-29', '2026-01-05']);
    // The Sunday is still in the first week.
    expect(budgetLedger(terms({ period: 'weekly', startDate: '2026-01-01' }), new Map(), '2026-01-04')).toHaveLength(1);
  });

  it('yearly, and a budget not started yet shows its first period', () => {
    expect(budgetLedger(terms({ period: 'yearly', startDate: '2024-06-15' }), new Map(), '2026-03-15').map((p) => p.startDate)).toEqual([
      '2024-01-01',
      '2025-01-01',
      '2026-01-01',
    ]);
    const upcoming = budgetLedger(terms({ startDate: '2026-05-10' }), new Map(), '2026-03-15');
    expect(upcoming.map((p) => p.startDate)).toEqual(['2026-05-01']);
  });

  it('combinePeriods sees consecutive periods as one: the first carry-in, all budgeted and spent', () => {
    const ledger = budgetLedger(
      terms({}),
      new Map([
        ['2026-01-01', 30_00n],
        ['2026-02-01', 120_00n],
        ['2026-03-01', 5_00n],
      ]),
      '2026-03-01',
    );
    const [, feb, mar] = ledger;
    if (!feb || !mar) throw new Error('expected three periods');
    expect(combinePeriods([feb, mar])).toEqual({
      startDate: '2026-02-01',
      endDate: '2026-04-01',
      budgeted: 200_00n,
      rolledOver: 70_00n,
      available: 270_00n,
      spent: 125_00n,
      remaining: 145_00n,
    });
  });
});
