import { z } from 'zod';
import { amountOutput } from '../../shared/money.js';
import { otherCurrenciesSchema, percent, rangeFields, rangeQueryShape } from '../schemas.js';

export const incomeStreamsQuery = z.strictObject(rangeQueryShape);

export const incomeStreamsSchema = z
  .object({
    ...rangeFields,
    total: amountOutput.describe('All income in the range'),
    streams: z.array(
      z.object({
        source: z.string().describe('The payer: the merchant, else the description, else the category (compared without case)'),
        category: z.string().nullable().describe('Its most frequent category slug'),
        count: z.number().int(),
        total: amountOutput,
        share: percent.describe('Percent of all income'),
        averageAmount: amountOutput,
        medianIntervalDays: z.number().nullable().describe('Median of the calendar days between payments; null with one payment'),
        intervalCv: z.number().nullable().describe('Coefficient of variation (population) of the intervals, 3 decimals; null with one payment'),
        amountCv: z.number().describe('Coefficient of variation (population) of the amounts, 3 decimals'),
        regular: z.boolean().describe('At least 3 payments, intervalCv and amountCv at most 0.25'),
        trend: percent.nullable().describe('Least-squares slope of the amounts per calendar month, as a percent of the average; null with one payment'),
        nextExpected: z.iso.date().nullable().describe('The last payment plus the median interval (regular streams only)'),
      }),
    ),
    diversification: z.number().describe('1 − Σ share², shares as fractions, 3 decimals; 0 for one stream'),
    reliability: z.object({
      score: z.number().describe('0–100: the percent of income from regular streams, a falling one counted half and one with an overdue payment not at all'),
      reasons: z.array(
        z.object({
          source: z.string(),
          reason: z.enum(['irregular', 'falling', 'missed']),
          detail: z.string(),
        }),
      ),
    }),
    otherCurrencies: otherCurrenciesSchema,
  })
  .meta({ id: 'IncomeStreams' });
