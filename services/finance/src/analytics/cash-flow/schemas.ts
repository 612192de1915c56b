import { z } from 'zod';
import { amountOutput } from '../../shared/money.js';
import { otherCurrenciesSchema, rangeFields, rangeQueryShape } from '../schemas.js';

const granularity = z.enum(['day', 'week', 'month']);

export const cashFlowQuery = z.strictObject({
  granularity: granularity.default('day').describe('Days, ISO weeks (from Monday) or calendar months, in your time zone'),
  ...rangeQueryShape,
  accountId: z.uuid().optional().describe('That account alone, transfers into and out of it included (default: every account in currency, archived ones too)'),
});

export const cashFlowSchema = z
  .object({
    ...rangeFields,
    granularity,
    accountId: z.uuid().nullable(),
    openingBalance: amountOutput.describe('The balance of the accounts in scope before the first bucket'),
    buckets: z.array(
      z.object({
        periodStart: z.iso.date(),
        periodEnd: z.iso.date().describe('Exclusive; a bucket cut by the range ends with it'),
        inflow: amountOutput.describe('Income, and transfers in from accounts outside the scope'),
        outflow: amountOutput.describe('Expenses, and transfers out to accounts outside the scope'),
        net: amountOutput.describe('inflow - outflow'),
        balance: amountOutput.describe('Opening balances plus every transaction before periodEnd, of the accounts in scope'),
      }),
    ),
    otherCurrencies: otherCurrenciesSchema,
  })
  .meta({ id: 'CashFlow' });
