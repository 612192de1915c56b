import { z } from 'zod';
import { changesSomething, multilineText, text } from '@expensio/common';
import { instantInput } from '../shared/http.js';
import { amountInput, amountOutput, currencySchema, formatAmount } from '../shared/money.js';
import type { AccountRow } from './repo.js';

export const accountTypeSchema = z.enum(['checking', 'savings', 'credit_card', 'cash', 'loan']);

export const accountSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    type: accountTypeSchema,
    currency: z.string(),
    openingBalance: amountOutput,
    balance: amountOutput.describe('Opening balance plus every transaction of the account up to now (future-dated ones excluded)'),
    projectedBalance: amountOutput.describe('The balance once every future-dated transaction has happened too'),
    isDefault: z.boolean(),
    archived: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Account' });

export const createAccountBody = z.strictObject({
  name: text().trim().min(1).max(100),
  type: accountTypeSchema,
  currency: currencySchema.optional().describe('Defaults to DEFAULT_CURRENCY; fixed once created'),
  openingBalance: amountInput.optional(),
  isDefault: z.boolean().optional(),
});

export const updateAccountBody = z
  .strictObject({
    name: text().trim().min(1).max(100).optional(),
    openingBalance: amountInput.optional(),
    archived: z.boolean().optional(),
    isDefault: z.literal(true).optional().describe('Make this the default account'),
  })
  .check(changesSomething);

export const transferBody = z.strictObject({
  fromAccountId: z.uuid(),
  toAccountId: z.uuid(),
  amount: amountInput.describe('What leaves the source account, in its currency'),
  toAmount: amountInput
    .optional()
    .describe("What arrives in the destination account, in its currency: required when the two accounts' currencies differ; else equal to amount or left out"),
  occurredAt: instantInput.optional(),
  description: multilineText().trim().max(500).optional(),
});

export function toAccountView(row: AccountRow) {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    currency: row.currency,
    openingBalance: formatAmount(row.opening_balance, row.currency),
    balance: formatAmount(row.balance, row.currency),
    projectedBalance: formatAmount(row.projected_balance, row.currency),
    isDefault: row.is_default,
    archived: row.archived_at !== null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
