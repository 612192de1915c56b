import { z } from 'zod';
import { pageQuery } from '../shared/http.js';
import { amountOutput } from '../shared/money.js';
import { templateFields, templateInputShape, templatePatchShape } from '../transactions/schemas.js';
import type { RuleRow } from './repo.js';
import { changesSomething, isCalendarDate } from '@expensio/common';

const frequency = z.enum(['daily', 'weekly', 'monthly', 'yearly']);
const calendarDate = z.iso.date().refine(isCalendarDate, { message: 'must be a calendar date (YYYY-MM-DD)' });

export const ruleSchema = z
  .object({
    id: z.uuid(),
    accountId: z.uuid(),
    type: z.enum(['income', 'expense']),
    amount: amountOutput,
    currency: z.string(),
    category: z.string().nullable().describe('The category slug'),
    categoryId: z.uuid().nullable(),
    description: z.string().nullable(),
    merchant: z.string().nullable(),
    tags: z.array(z.string()),
    frequency,
    interval: z.number().int(),
    startDate: z.iso.date(),
    endDate: z.iso.date().nullable(),
    count: z.number().int().nullable(),
    paused: z.boolean(),
    nextOccurrence: z.iso.date().nullable().describe('The next date this rule posts on; null while paused or once the schedule is over'),
    lastError: z.string().nullable().describe('Why the last attempt to post failed, until the next success'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'RecurringRule' });

const scheduleFields = {
  frequency,
  interval: z.number().int().min(1).max(1000).describe('Every N days, weeks, months or years'),
  startDate: calendarDate.describe('The first occurrence (a day in your time zone). Defaults to today; a past date posts the occurrences since then'),
  endDate: calendarDate.nullable().describe('Inclusive'),
  count: z.number().int().min(1).max(100_000).nullable().describe('How many occurrences in all, counted from startDate'),
  paused: z.boolean(),
};

export const createRuleBody = z.strictObject({
  ...templateInputShape,
  frequency: scheduleFields.frequency,
  interval: scheduleFields.interval.default(1),
  startDate: scheduleFields.startDate.optional(),
  endDate: scheduleFields.endDate.optional(),
  count: scheduleFields.count.optional(),
  paused: scheduleFields.paused.default(false),
});

export const updateRuleBody = z
  .strictObject({
    ...templatePatchShape,
    frequency: scheduleFields.frequency.optional(),
    interval: scheduleFields.interval.optional(),
    startDate: scheduleFields.startDate.optional(),
    endDate: scheduleFields.endDate.optional(),
    count: scheduleFields.count.optional(),
    paused: scheduleFields.paused.optional(),
  })
  .check(changesSomething);

export const listRulesQuery = z.strictObject({ ...pageQuery });

export const upcomingQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(10) });

export const upcomingSchema = z.object({
  ruleId: z.uuid(),
  paused: z.boolean().describe('A paused rule posts nothing, so its list is empty'),
  items: z.array(
    z.object({
      date: z.iso.date(),
      occurredAt: z.iso.datetime().describe('The posted transaction’s occurredAt: midnight starting the date in your time zone'),
    }),
  ),
});

export type RuleView = z.infer<typeof ruleSchema>;

export function toRuleView(row: RuleRow): RuleView {
  return {
    id: row.id,
    ...templateFields(row),
    frequency: row.frequency,
    interval: row.frequency_interval,
    startDate: row.start_date,
    endDate: row.end_date,
    count: row.occurrence_count,
    paused: row.paused,
    nextOccurrence: row.paused ? null : row.next_date,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
