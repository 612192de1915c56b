import { z } from 'zod';
import { changesSomething, text } from '@expensio/common';
import { amountInput, amountOutput, currencySchema, formatAmount } from '../shared/money.js';
import { instantInput, optionalMultilineText, optionalText, pageQuery, tagsSchema } from '../shared/http.js';
import { checkPeriodQuery, periodQueryShape } from '../shared/period-query.js';
import { moodInput, moodSchema } from '../moods/schemas.js';
import type { TransactionRow } from './repo.js';

export const riskSchema = z
  .object({
    score: z.number().int().min(0).max(100),
    level: z.enum(['normal', 'elevated', 'high']),
    reasons: z.array(
      z.object({
        code: z.enum(['amount_outlier', 'velocity', 'duplicate', 'card_testing', 'new_merchant', 'new_location', 'unusual_hour']),
        message: z.string(),
        weight: z.number().int().describe('Points this reason adds to the score'),
      }),
    ),
    flagged: z.boolean().describe('score >= SECURITY_ALERT_THRESHOLD'),
  })
  .describe('The fraud score against your own history, given when it was recorded (docs/fraud-scoring.md)')
  .meta({ id: 'Risk' });

export const reviewSchema = z.object({
  decision: z.enum(['legitimate', 'fraud']),
  note: z.string().nullable(),
  reviewedAt: z.iso.datetime(),
});

export const transactionSchema = z
  .object({
    id: z.uuid(),
    accountId: z.uuid(),
    type: z.enum(['income', 'expense', 'transfer_in', 'transfer_out']),
    amount: amountOutput,
    currency: z.string(),
    category: z.string().nullable().describe('The category slug'),
    categoryId: z.uuid().nullable(),
    description: z.string().nullable(),
    merchant: z.string().nullable(),
    occurredAt: z.iso.datetime(),
    tags: z.array(z.string()),
    transferId: z.uuid().nullable(),
    recurringRuleId: z.uuid().nullable().describe('The recurring rule that posted it'),
    mood: moodSchema.optional().describe('The mood given with the create, in its answer'),
    risk: riskSchema,
    location: z
      .object({ country: z.string().describe('ISO 3166-1 alpha-2'), city: z.string().nullable() })
      .nullable()
      .describe("Where the request that recorded it came from (the client's IP address, located offline); null when unknown"),
    review: reviewSchema.nullable().describe("The owner's verdict on a flagged transaction"),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Transaction' });

const categoryRef = text().trim().min(1).max(100).describe('A category slug (e.g. groceries) or id');
const timestamp = instantInput;

/** A transaction's own fields as a body names them; recurring rules take the same as their template. */
export const templateInputShape = {
  accountId: z.uuid().optional().describe('Defaults to your default account'),
  type: z.enum(['income', 'expense']),
  amount: amountInput,
  currency: currencySchema.optional().describe("Defaults to the account's currency, and must equal it"),
  category: categoryRef.nullable().optional(),
  description: optionalMultilineText(500),
  merchant: optionalText(200),
  tags: tagsSchema.optional(),
};

/** The same fields as a PATCH names them: all optional, the currency fixed by the account. */
export const templatePatchShape = {
  accountId: z.uuid().optional(),
  type: templateInputShape.type.optional(),
  amount: amountInput.optional(),
  category: categoryRef.nullable().optional(),
  description: optionalMultilineText(500),
  merchant: optionalText(200),
  tags: tagsSchema.optional(),
};

export const createTransactionBody = z
  .strictObject({
    ...templateInputShape,
    occurredAt: timestamp.optional().describe('Defaults to now'),
    mood: moodInput.optional().describe('Attached in the same database transaction'),
  })
  .meta({
    examples: [
      {
        type: 'expense',
        amount: '42.50',
        category: 'groceries',
        description: 'Weekly groceries',
        merchant: 'Corner Market',
        tags: ['food'],
        occurredAt: '2026-03-01T10:30:00Z',
      },
    ],
  });

export const updateTransactionBody = z.strictObject({ ...templatePatchShape, occurredAt: timestamp.optional() }).check(changesSomething);

/** PATCH /api/transactions: the same fields set on many transactions, all or none. */
export const bulkEditBody = z.strictObject({
  ids: z.array(z.uuid()).min(1).max(500).describe('Your transactions to change: all of them or none'),
  set: z
    .strictObject({
      category: templatePatchShape.category.describe('A category slug or id; null clears it'),
      merchant: templatePatchShape.merchant,
      description: templatePatchShape.description,
      tags: templatePatchShape.tags.describe('Replaces the tags'),
    })
    .check(changesSomething),
});

export const listTransactionsQuery = z.strictObject({
  ...pageQuery,
  from: timestamp.optional().describe('Inclusive'),
  to: timestamp.optional().describe('Exclusive'),
  type: z.enum(['income', 'expense', 'transfer_in', 'transfer_out', 'transfer']).optional(),
  accountId: z.uuid().optional(),
  category: categoryRef.optional().describe('A category slug or id, or `none` for the uncategorised income and expenses'),
  tag: text().trim().min(1).max(40).optional(),
  merchant: text().trim().min(1).max(200).optional().describe('Exact merchant, case-insensitive'),
  text: text().trim().min(1).max(200).optional().describe('Searches description and merchant'),
  currency: currencySchema.optional().describe('Also the currency minAmount and maxAmount are read in (default: your default account’s)'),
  minAmount: text().max(40).optional(),
  maxAmount: text().max(40).optional(),
  flagged: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('Only the flagged (true) or only the unflagged (false)'),
  // Not z.coerce: it reads an empty value as 0, which would quietly leave out what is not scored yet.
  minRisk: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number from 0 to 100')
    .transform(Number)
    .pipe(z.number().int().min(0).max(100))
    .optional()
    .describe('Only those whose risk score is at least this'),
});

export const flaggedQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(['open', 'reviewed', 'all']).default('open').describe('open: not reviewed yet; reviewed: with your verdict'),
});

export const reviewBody = z.strictObject({
  decision: z
    .enum(['legitimate', 'fraud'])
    .describe('legitimate: it was you, and it teaches your baseline; fraud: it stays in the ledger but never counts as your normal spending'),
  note: optionalMultilineText(500),
});

export const summaryQuery = z
  .strictObject({
    timeframe: z.enum(['week', 'month', 'quarter', 'year']).default('month').describe('The period holding `date`; ignored with from/to'),
    currency: currencySchema.optional().describe("Defaults to your default account's currency"),
    ...periodQueryShape,
  })
  .superRefine(checkPeriodQuery);

export const summarySchema = z.object({
  timeframe: z.enum(['week', 'month', 'quarter', 'year', 'custom']).describe('custom for a from/to range'),
  from: z.iso.datetime().describe('The instant the first day began in your time zone'),
  to: z.iso.datetime().describe('Exclusive: the instant after the last day ended'),
  firstDay: z.iso.date(),
  lastDay: z.iso.date().describe('Inclusive'),
  timeZone: z.string().describe('The time zone the days are counted in (your profile’s)'),
  currency: z.string(),
  income: amountOutput,
  expense: amountOutput,
  net: amountOutput,
  byCategory: z.array(
    z.object({ category: z.string().nullable(), name: z.string().nullable(), income: amountOutput, expense: amountOutput, count: z.number().int() }),
  ),
});

export type TransactionView = z.infer<typeof transactionSchema>;

/** The fields a transaction and a recurring rule's template share, as clients see them. */
export function templateFields<T extends string>(row: {
  account_id: string;
  type: T;
  amount: bigint;
  currency: string;
  category_slug: string | null;
  category_id: string | null;
  description: string | null;
  merchant: string | null;
  tags: string[];
}) {
  return {
    accountId: row.account_id,
    type: row.type,
    amount: formatAmount(row.amount, row.currency),
    currency: row.currency,
    category: row.category_slug,
    categoryId: row.category_id,
    description: row.description,
    merchant: row.merchant,
    tags: row.tags,
  };
}

export function toTransactionView(row: TransactionRow): TransactionView {
  return {
    id: row.id,
    ...templateFields(row),
    occurredAt: row.occurred_at.toISOString(),
    transferId: row.transfer_id,
    recurringRuleId: row.recurring_rule_id,
    risk: { score: row.risk_score, level: row.risk_level, reasons: row.risk_reasons, flagged: row.risk_flagged },
    location: row.location_country === null ? null : { country: row.location_country, city: row.location_city },
    review:
      row.review_decision === null || row.reviewed_at === null
        ? null
        : { decision: row.review_decision, note: row.review_note, reviewedAt: row.reviewed_at.toISOString() },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
