import { z } from 'zod';
import { isCalendarDate } from '@expensio/common';
import { currencySchema } from '../shared/money.js';

export const calendarDay = z.iso.date().refine(isCalendarDate, { message: 'must be a calendar date (YYYY-MM-DD)' });

export const rangeQueryShape = {
  from: calendarDay.optional().describe('First day of the range (inclusive), YYYY-MM-DD, in your time zone'),
  to: calendarDay.optional().describe('Day after the range (exclusive), YYYY-MM-DD, in your time zone; at most 10 years after from'),
  currency: currencySchema
    .optional()
    .describe("The currency answered in (default: your default account's); other currencies are left out and counted in otherCurrencies"),
};

export const otherCurrenciesSchema = z
  .array(z.object({ currency: z.string(), count: z.number().int() }))
  .describe('Transactions of the range left out because they are in another currency');

export const percent = z.number().describe('Percent, 2 decimals');

export const rangeFields = {
  currency: z.string(),
  from: z.iso.date().describe('Inclusive'),
  to: z.iso.date().describe('Exclusive'),
  timeZone: z.string().describe('The IANA time zone the days are counted in'),
};
