import { z } from 'zod';
import { EXPORT_FORMAT, EXPORT_VERSION, multilineText, text } from '@expensio/common';
import { importMappingSchema } from '../imports/formats/index.js';
import { MOODS, TRIGGERS } from '../moods/schemas.js';
import { MAX_CONDITIONS, MAX_RULES_PER_USER } from '../rules/conditions.js';
import { conditionSchema } from '../rules/schemas.js';
import { currencySchema } from '../shared/money.js';

/**
 * What `POST /api/import/backup` reads: the ledger's sections of an export document. Amounts stay
 * decimal strings here and are converted against their row's currency by the restore, which names
 * the row on failure. Other services' sections (profile, webhooks) may be present and are ignored.
 */
const id = z.uuid({ message: 'must be an id (UUID)' });
const amount = text().max(40).describe('A decimal string in the currency of its row, e.g. "12.34"');
const timestamp = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
const calendarDay = z.iso.date();
const name = text().trim().min(1).max(200);
const optional = (max: number) => text().max(max).nullable().default(null);
const optionalNote = (max: number) => multilineText().max(max).nullable().default(null);
const tags = z.array(text().max(40)).max(20).default([]);

const account = z.object({
  id,
  name,
  type: z.enum(['checking', 'savings', 'credit_card', 'cash', 'loan']),
  currency: currencySchema,
  openingBalance: amount,
  isDefault: z.boolean(),
  archivedAt: timestamp.nullable().default(null),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const category = z.object({
  id,
  slug: text().trim().min(1).max(60),
  name,
  kind: z.enum(['expense', 'income', 'any']),
  builtIn: z.boolean(),
  createdAt: timestamp,
});

const mood = z.object({
  mood: z.enum(MOODS),
  intensity: z.number().int().min(1).max(5),
  triggers: z.array(z.enum(TRIGGERS)).max(TRIGGERS.length),
  note: optionalNote(1000),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const risk = z.object({
  score: z.number().int().min(0).max(100),
  level: z.enum(['normal', 'elevated', 'high']),
  reasons: z
    .array(
      z.object({
        code: z.enum(['amount_outlier', 'velocity', 'duplicate', 'card_testing', 'new_merchant', 'new_location', 'unusual_hour']),
        message: text().max(512),
        weight: z.number().int().min(0).max(100),
      }),
    )
    .max(10),
  flagged: z.boolean(),
});

const review = z.object({
  decision: z.enum(['legitimate', 'fraud']),
  note: optionalNote(1000),
  reviewedAt: timestamp,
});

const transaction = z.object({
  id,
  accountId: id,
  type: z.enum(['income', 'expense', 'transfer_in', 'transfer_out']),
  amount,
  currency: currencySchema,
  categoryId: id.nullable().default(null),
  description: optionalNote(1000),
  merchant: optional(200),
  occurredAt: timestamp,
  tags,
  transferId: id.nullable().default(null),
  recurringRuleId: id.nullable().default(null),
  occurrenceDate: calendarDay.nullable().default(null),
  imported: z.boolean().default(false),
  createdAt: timestamp,
  updatedAt: timestamp,
  risk: risk.nullable().default(null),
  location: z
    .object({ country: text().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'), city: optional(200) })
    .nullable()
    .default(null),
  review: review.nullable().default(null),
  mood: mood.nullable().default(null),
});

const budget = z.object({
  id,
  name,
  amount,
  currency: currencySchema,
  period: z.enum(['weekly', 'monthly', 'yearly']),
  categoryId: id.nullable().default(null),
  startDate: calendarDay,
  rollover: z.enum(['none', 'surplus', 'surplus_and_deficit']),
  rolloverCap: amount.nullable().default(null),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const goal = z.object({
  id,
  name,
  targetAmount: amount,
  currency: currencySchema,
  deadline: calendarDay.nullable().default(null),
  completedAt: timestamp.nullable().default(null),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const goalContribution = z.object({ id, goalId: id, amount, note: optionalNote(1000), occurredAt: timestamp, createdAt: timestamp });

const debt = z.object({
  id,
  name,
  kind: z.enum(['loan', 'credit_card']),
  currency: currencySchema,
  openingBalance: amount,
  startDate: calendarDay,
  annualRate: z.string().regex(/^\d{1,3}(\.\d{1,4})?$/, 'must be a percent such as "19.99"'),
  minimumPayment: amount,
  dueDay: z.number().int().min(1).max(31),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const debtPayment = z.object({ id, debtId: id, amount, interest: amount, principal: amount, paidAt: calendarDay, createdAt: timestamp });

const recurringRule = z.object({
  id,
  accountId: id,
  type: z.enum(['income', 'expense']),
  amount,
  currency: currencySchema,
  categoryId: id.nullable().default(null),
  description: optionalNote(1000),
  merchant: optional(200),
  tags,
  frequency: z.enum(['daily', 'weekly', 'monthly', 'yearly']),
  interval: z.number().int().min(1).max(1000),
  startDate: calendarDay,
  endDate: calendarDay.nullable().default(null),
  occurrenceCount: z.number().int().min(1).nullable().default(null),
  paused: z.boolean(),
  nextIndex: z.number().int().min(0),
  nextDate: calendarDay.nullable().default(null),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const recurringPause = z.object({ id, ruleId: id, pausedOn: calendarDay, resumedOn: calendarDay.nullable().default(null) });

// A rule's conditions and a saved mapping are read by the same schemas the API writes them with.
const rule = z.object({
  id,
  name: text().trim().min(1).max(100),
  position: z.number().int().min(1).max(10_000),
  conditions: z.array(conditionSchema).min(1).max(MAX_CONDITIONS),
  actions: z.object({
    categoryId: id.nullable().default(null),
    merchant: optional(200),
    addTags: tags,
    transferToAccountId: id.nullable().default(null),
  }),
  createdAt: timestamp,
  updatedAt: timestamp,
});

const importMapping = z.object({ accountId: id, mapping: importMappingSchema, createdAt: timestamp, updatedAt: timestamp });

export const backupDocument = z.object({
  format: z.literal(EXPORT_FORMAT, { message: `must be "${EXPORT_FORMAT}" (a document from GET /api/export)` }),
  version: z.literal(EXPORT_VERSION, { message: `must be ${String(EXPORT_VERSION)}, the only version this server reads` }),
  accounts: z.array(account).min(1, 'must hold at least one account'),
  categories: z.array(category).default([]),
  transactions: z.array(transaction).default([]),
  budgets: z.array(budget).default([]),
  goals: z.array(goal).default([]),
  goalContributions: z.array(goalContribution).default([]),
  debts: z.array(debt).default([]),
  debtPayments: z.array(debtPayment).default([]),
  recurringRules: z.array(recurringRule).default([]),
  recurringPauses: z.array(recurringPause).default([]),
  rules: z.array(rule).max(MAX_RULES_PER_USER).default([]),
  importMappings: z.array(importMapping).default([]),
});

export type BackupDocument = z.output<typeof backupDocument>;

export const restoreReport = z.object({
  accounts: z.number().int(),
  categories: z.number().int(),
  transactions: z.number().int(),
  moods: z.number().int(),
  budgets: z.number().int(),
  goals: z.number().int(),
  goalContributions: z.number().int(),
  debts: z.number().int(),
  debtPayments: z.number().int(),
  recurringRules: z.number().int(),
  recurringPauses: z.number().int(),
  rules: z.number().int(),
  importMappings: z.number().int(),
});

export type RestoreReport = z.output<typeof restoreReport>;
