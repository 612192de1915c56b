import { describe, expect, it } from 'vitest';
import { formatPercent, goalProgress } from '../src/goals/progress.js';

const base = { target: 100_000n, saved: 0n, deadline: null, firstContribution: null, today: '2026-03-15' };

describe('goal progress', () => {
  it('rounds percent down, so 100 only once reached, and lets it pass 100', () => {
    expect(goalProgress({ ...base, target: 300n, saved: 299n }).percent).toBe(9966n); // 99.666...%
    expect(goalProgress({ ...base, target: 100_000n, saved: 99_999n })).toMatchObject({ percent: 9999n, reached: false, remaining: 1n });
    expect(goalProgress({ ...base, saved: 150_000n })).toMatchObject({ percent: 15_000n, reached: true, remaining: 0n });
    expect(formatPercent(9966n)).toBe('99.66');
    expect(formatPercent(5n)).toBe('0.05');
  });

  it('spreads the remaining amount over the whole months left, rounded up', () => {
    // 1,000.00 over 3 whole months (15 March -> 15 June): 333.333... -> 333.34.
    expect(goalProgress({ ...base, deadline: '2026-06-20' })).toMatchObject({ monthsLeft: 3, monthlyNeeded: 33_334n });
    expect(goalProgress({ ...base, deadline: '2026-03-15' })).toMatchObject({ monthsLeft: 1, monthlyNeeded: 100_000n, deadlinePassed: false });
    expect(goalProgress({ ...base, deadline: '2026-03-14' })).toMatchObject({ monthsLeft: 0, monthlyNeeded: null, deadlinePassed: true });
    expect(goalProgress({ ...base, saved: 100_000n, deadline: '2026-06-20' }).monthlyNeeded).toBeNull();
  });

  it('projects from the net saved per day since the first contribution, rounding days up', () => {
    // 1.00 saved on day one (today): 999.00 more at 1.00 a day is 999 days.
    expect(goalProgress({ ...base, saved: 100n, firstContribution: '2026-03-15' }).projectedCompletion).toBe('2028-12-08');
    // 300.00 over 7 days: 700.00 to go takes 700 x 7 / 300 = 16.33 -> 17 days.
    expect(goalProgress({ ...base, saved: 30_000n, firstContribution: '2026-03-09' }).projectedCompletion).toBe('2026-04-01');
    expect(goalProgress({ ...base, saved: 0n, firstContribution: '2026-03-09' }).projectedCompletion).toBeNull();
    // Further than 1,000 years is no projection.
    expect(goalProgress({ ...base, target: 10n ** 15n, saved: 1n, firstContribution: '2026-03-09' }).projectedCompletion).toBeNull();
  });
});
