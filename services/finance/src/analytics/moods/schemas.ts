import { z } from 'zod';
import { MOODS, TRIGGERS } from '../../moods/schemas.js';
import { amountOutput } from '../../shared/money.js';
import { otherCurrenciesSchema, percent, rangeFields, rangeQueryShape } from '../schemas.js';

export const moodAnalysisQuery = z.strictObject(rangeQueryShape);

const sums = {
  count: z.number().int().describe('The sample size: expenses in the group'),
  total: amountOutput,
  average: amountOutput.describe('total / count, rounded half up to the minor unit'),
};

export const moodAnalysisSchema = z
  .object({
    ...rangeFields,
    sampleSize: z.number().int().describe('Expenses of the range that carry a mood: every figure below is computed on them'),
    byMood: z.array(z.object({ mood: z.enum(MOODS), ...sums })),
    byMoodAndCategory: z.array(z.object({ mood: z.enum(MOODS), category: z.string().nullable(), name: z.string().nullable(), ...sums })),
    byTrigger: z.array(z.object({ trigger: z.enum(TRIGGERS), ...sums }).describe('An expense with several triggers counts under each')),
    negativeShare: z.object({
      percent: percent
        .nullable()
        .describe('Percent of the amount of mood-tagged expenses whose mood is stressed, sad, bored, anxious or regretful; null without any'),
      amount: amountOutput,
      count: z.number().int(),
      n: z.number().int().describe('Mood-tagged expenses'),
    }),
    correlation: z.object({
      intensityVsAmount: z
        .number()
        .nullable()
        .describe("Pearson's r between mood intensity and amount, 3 decimals; null below 5 pairs or when either does not vary"),
      n: z.number().int(),
    }),
    otherCurrencies: otherCurrenciesSchema,
  })
  .meta({ id: 'MoodAnalysis' });
