import { z } from 'zod';
import { changesSomething } from '@expensio/common';
import { instantInput, optionalMultilineText, pageQuery } from '../shared/http.js';
import { amountOutput, currencySchema } from '../shared/money.js';
import type { MoodRow } from './repo.js';

export const MOODS = ['happy', 'neutral', 'stressed', 'sad', 'bored', 'excited', 'anxious', 'regretful'] as const;
export const TRIGGERS = ['impulse', 'social_pressure', 'boredom', 'reward', 'stress_relief', 'celebration', 'convenience', 'fomo', 'habit'] as const;

const mood = z.enum(MOODS);
const intensity = z.number().int().min(1).max(5).describe('1 (barely) to 5 (strongly)');
const triggers = z.array(z.enum(TRIGGERS)).max(TRIGGERS.length).describe('What pushed the spending; duplicates are dropped');
const note = optionalMultilineText(1000);

/** A mood as given with a new transaction or set on one: intensity defaults to 3, triggers to none. */
export const moodInput = z.strictObject({
  mood,
  intensity: intensity.default(3),
  triggers: triggers.default([]),
  note,
});

export const createMoodBody = z.strictObject({ transactionId: z.uuid(), ...moodInput.shape });

export const updateMoodBody = z
  .strictObject({ mood: mood.optional(), intensity: intensity.optional(), triggers: triggers.optional(), note })
  .check(changesSomething);

export const transactionParams = z.object({ transactionId: z.uuid({ message: 'must be an id (UUID)' }) });

export const moodSchema = z
  .object({
    id: z.uuid(),
    transactionId: z.uuid(),
    mood,
    intensity: z.number().int(),
    triggers: z.array(z.enum(TRIGGERS)),
    note: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'TransactionMood' });

export const listMoodsQuery = z.strictObject({
  ...pageQuery,
  mood: mood.optional(),
  transactionId: z.uuid().optional(),
});

const timestamp = instantInput;

export const insightsQuery = z.strictObject({
  from: timestamp.optional().describe('Transactions from this moment (inclusive)'),
  to: timestamp.optional().describe('Transactions before this moment (exclusive)'),
  currency: currencySchema.optional().describe('Only this currency (default: every currency, each on its own line)'),
});

export const insightsSchema = z.object({
  items: z.array(
    z.object({
      mood,
      currency: z.string(),
      count: z.number().int().describe('Expenses carrying this mood'),
      total: amountOutput,
      average: amountOutput.describe('total / count, rounded half up to the minor unit'),
    }),
  ),
});

export type MoodInput = z.output<typeof moodInput>;
export type MoodView = z.infer<typeof moodSchema>;

export function toMoodView(row: MoodRow): MoodView {
  return {
    id: row.id,
    transactionId: row.transaction_id,
    mood: row.mood,
    intensity: row.intensity,
    triggers: row.triggers,
    note: row.note,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
