import { z } from 'zod';
import { isCalendarDate, multilineText, text } from '@expensio/common';

export const idParams = z.object({ id: z.uuid({ message: 'must be an id (UUID)' }) });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: text().max(200).optional().describe('nextCursor from the previous page'),
};

export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const tagsSchema = z.array(text().trim().min(1).max(40)).max(20);

export const optionalText = (max: number) => text().trim().max(max).nullable().optional();

/** Like optionalText, for descriptions and notes, which may span lines. */
export const optionalMultilineText = (max: number) => multilineText().trim().max(max).nullable().optional();

/** A calendar day from 1900 through 2999: the calendar's arithmetic (Date.UTC) reads years below 100 as 19xx. */
export const dayInput = z.iso
  .date()
  .refine(isCalendarDate, { message: 'must be a calendar date (YYYY-MM-DD)' })
  .refine((day) => day >= '1900-01-01' && day <= '2999-12-31', { message: 'must be a day from 1900 through 2999' });

/**
 * A date-time within the days dayInput takes. Without the bound, year 1 passed validation and
 * failed in the database (the risk score's look-back windows reach before year 1): a 500.
 */
function inDayRange(dateTime: string): boolean {
  const at = new Date(dateTime).getTime();
  return at >= Date.UTC(1900, 0, 1) && at < Date.UTC(3000, 0, 1);
}

/** A date-time with its offset, within the days dayInput takes. */
export const dateTimeInput = z.iso.datetime({ offset: true }).refine(inDayRange, { message: 'must be a moment from 1900 through 2999' });

/**
 * A moment as a request gives it: a date-time keeps its offset's meaning; a date alone
 * (2026-11-30) means midnight starting that day in the user's time zone.
 */
export const instantInput = z
  .union([dateTimeInput, dayInput], {
    error: 'must be a date-time with offset (2026-11-30T20:00:00-05:00) or a date (2026-11-30), from 1900 through 2999',
  })
  .describe('A date-time with its offset, or a date alone (YYYY-MM-DD) meaning midnight in your time zone');
