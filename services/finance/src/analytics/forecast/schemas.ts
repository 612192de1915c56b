import { z } from 'zod';
import { text } from '@expensio/common';
import { amountOutput, currencySchema } from '../../shared/money.js';

const granularity = z.enum(['day', 'week', 'month']);

export const forecastQuery = z.strictObject({
  granularity: granularity.default('day').describe('day, ISO week (from Monday) or calendar month, in your time zone'),
  horizon: z.coerce
    .number()
    .int()
    .min(1)
    .max(90)
    .optional()
    .describe('Periods to forecast, the current one first: 1-90 days (default 30), 1-26 weeks (default 8), 1-12 months (default 3)'),
  currency: currencySchema.optional().describe("Default: your default account's currency"),
  category: text()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a category slug such as "groceries"')
    .max(60)
    .optional()
    .describe('Only this category (its slug)'),
});

export type ForecastQuery = z.output<typeof forecastQuery>;

const mase = z.number().describe('Mean absolute scaled error over the backtest: below 1 beats seasonal-naive in-sample');

export const forecastSchema = z
  .object({
    granularity,
    currency: z.string(),
    category: z.string().nullable(),
    timeZone: z.string(),
    history: z.object({
      from: z.iso.date().describe('First period fitted'),
      to: z.iso.date().describe('End of the fitted history (exclusive): the current period, which is not fitted'),
      periods: z.number().int(),
    }),
    model: z.object({
      name: z.string().describe('seasonal-naive, or ets(error,trend,season) in Hyndman’s notation; +yearly-harmonics adds a smooth yearly curve'),
      parameters: z.record(z.string(), z.number()),
    }),
    backtest: z.object({
      metric: z.literal('MASE'),
      model: mase.describe("The chosen model's MASE"),
      seasonalNaive: mase.describe("Seasonal-naive's MASE on the same origins"),
      origins: z.number().int().describe('Forecast origins of the rolling-origin backtest'),
      horizon: z.number().int().describe('Periods forecast from each origin'),
      candidates: z.array(z.object({ name: z.string(), mase })),
    }),
    points: z.array(
      z.object({
        periodStart: z.iso.date(),
        periodEnd: z.iso.date().describe('Exclusive'),
        expected: amountOutput.describe('Expected spending of the whole period, scheduled included'),
        lower: amountOutput.describe('80% prediction interval, lower bound'),
        upper: amountOutput.describe('80% prediction interval, upper bound'),
        scheduled: amountOutput.describe('What active recurring rules will still post in the period'),
        actualSoFar: amountOutput.describe('Already spent in the period (the current one; zero after it)'),
      }),
    ),
    otherCurrencies: z
      .array(z.object({ currency: z.string(), count: z.number().int() }))
      .describe('Expenses of the fitted history and current period left out for their currency'),
  })
  .meta({ id: 'SpendingForecast' });

export type ForecastView = z.infer<typeof forecastSchema>;
