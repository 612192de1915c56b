import { firstIndexOnOrAfter, nextOccurrence } from '../../recurring/schedule.js';
import type { Granularity } from './model/select.js';
import { periodStartOf } from './periods.js';
import type { ScheduledRule } from './repo.js';

/**
 * What the rules will still post, per period start, for occurrences dated from `from` to `to`
 * (exclusive). A rule's cursor (next_index) marks what is already posted, so an occurrence due
 * earlier today that the scheduler has not reached yet still counts, and a posted one does not.
 * Occurrence dates are calendar days and fall in the period holding that day.
 */
export function scheduledPerPeriod(rules: readonly ScheduledRule[], range: { from: string; to: string; granularity: Granularity }): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const rule of rules) {
    const schedule = {
      startDate: rule.start_date,
      frequency: rule.frequency,
      interval: rule.frequency_interval,
      endDate: rule.end_date,
      count: rule.occurrence_count,
    };
    // Overdue occurrences before the range would post dated before it: start at the range.
    let index = Math.max(rule.next_index, firstIndexOnOrAfter(schedule, range.from));
    for (;;) {
      const next = nextOccurrence(schedule, index, rule.pauses);
      if (next.date === null || next.date >= range.to) break;
      const period = periodStartOf(next.date, range.granularity);
      totals.set(period, (totals.get(period) ?? 0n) + rule.amount);
      index = next.index + 1;
    }
  }
  return totals;
}
