import { z } from 'zod';
import { currencySchema, amountOutput } from '../../shared/money.js';
import { otherCurrenciesSchema, percent } from '../schemas.js';
import { INTERVALS } from './cadence.js';

export const subscriptionsQuery = z.strictObject({
  currency: currencySchema.optional().describe("Only subscriptions in this currency (default: your default account's)"),
});

export const subscriptionParams = z.object({ id: z.uuid({ message: 'must be a subscription id (UUID)' }) });

export const subscriptionSchema = z
  .object({
    id: z.uuid().describe('Stable across calls: derived from the merchant (without case), currency and interval'),
    merchant: z.string().describe('The merchant, or the description when the charges have none; its most frequent spelling'),
    currency: z.string(),
    interval: z.enum(INTERVALS),
    amount: amountOutput.describe('The latest charge'),
    usualAmount: amountOutput.describe('The median charge (the lower middle one for an even count)'),
    count: z.number().int(),
    firstCharged: z.iso.date(),
    lastCharged: z.iso.date(),
    nextExpected: z.iso.date().describe('The last charge plus one interval'),
    yearlyCost: amountOutput.describe('The latest amount × 52, 12, 4 or 1'),
    priceIncrease: z
      .object({ from: amountOutput, to: amountOutput, percent })
      .nullable()
      .describe('When the latest charge is more than 2% above the one before'),
    status: z
      .enum(['active', 'missed', 'cancelled'])
      .describe('missed once nextExpected plus the tolerance has passed with no charge; cancelled after two missed intervals'),
    recurringRuleId: z.uuid().nullable().describe('A recurring rule with the same merchant and currency'),
  })
  .meta({ id: 'Subscription' });

export const subscriptionsSchema = z.object({
  currency: z.string(),
  items: z.array(subscriptionSchema).describe('Largest yearlyCost first'),
  totalYearlyCost: amountOutput.describe('The yearly cost of the active ones'),
  otherCurrencies: otherCurrenciesSchema.describe('Expenses left out because they are in another currency (whole history)'),
});
