import { z } from 'zod';
import { changesSomething, text } from '@expensio/common';
import { tagsSchema } from '../shared/http.js';
import { CONDITION_FIELDS, DECIMAL, MAX_CONDITIONS, MAX_VALUE_LENGTH, OPERATORS, OPERATORS_BY_FIELD, type Condition } from './conditions.js';
import { compareDecimals, compilePattern } from './match.js';
import type { RuleRow } from './repo.js';

const amountText = text().regex(DECIMAL, 'must be a positive decimal such as "12.34"');

export const conditionSchema = z
  .strictObject({
    field: z.enum(CONDITION_FIELDS),
    operator: z.enum(OPERATORS),
    value: z
      .union([text().min(1).max(MAX_VALUE_LENGTH), z.tuple([amountText, amountText])])
      .describe('A text (for `matches`, an RE2 regular expression); for `between`, [min, max] amounts'),
  })
  .superRefine((condition, ctx) => {
    const { field, operator } = condition;
    if (!OPERATORS_BY_FIELD[field].includes(operator)) {
      ctx.addIssue({ code: 'custom', path: ['operator'], message: `${field} takes ${OPERATORS_BY_FIELD[field].join(', ')}` });
      return;
    }
    const problem = valueProblem(condition);
    if (problem !== null) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  });

function valueProblem({ field, operator, value }: Condition): string | null {
  if (operator === 'between') {
    if (!Array.isArray(value)) return 'must be [min, max]';
    return compareDecimals(value[0], value[1]) <= 0 ? null : 'min must not be above max';
  }
  if (Array.isArray(value)) return 'must be a text';
  if (field === 'amount') return DECIMAL.test(value) ? null : 'must be a positive decimal such as "12.34"';
  if (field === 'accountId') return z.uuid().safeParse(value).success ? null : 'must be an account id (UUID)';
  if (field === 'type') return value === 'income' || value === 'expense' ? null : 'must be income or expense';
  if (operator === 'matches') {
    try {
      compilePattern(value);
    } catch (error) {
      return `is not a regular expression RE2 accepts: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return null;
}

const categoryRef = text().trim().min(1).max(100).describe('A category slug (e.g. groceries) or id');

const actionsInput = z.strictObject({
  category: categoryRef.optional(),
  merchant: text().trim().min(1).max(200).optional(),
  addTags: tagsSchema.optional(),
  transferToAccountId: z
    .uuid()
    .optional()
    .describe('Make what matches a transfer with this account of yours: linked to its matching other leg there, or that leg recorded (ADR 0016)'),
});

const ruleFields = {
  name: text().trim().min(1).max(100),
  position: z.number().int().min(1).max(10_000).optional().describe('1 is first; defaults to the end; others move to make room'),
  conditions: z.array(conditionSchema).min(1).max(MAX_CONDITIONS).describe('Every condition must hold'),
  actions: actionsInput,
};

export const createRuleBody = z.strictObject(ruleFields);
export type RuleInput = z.infer<typeof createRuleBody>;

export const updateRuleBody = z
  .strictObject({
    name: ruleFields.name.optional(),
    position: ruleFields.position,
    conditions: ruleFields.conditions.optional(),
    actions: actionsInput.optional(),
  })
  .check(changesSomething);
export type RulePatch = z.infer<typeof updateRuleBody>;

export const fromTransactionBody = z
  .strictObject({
    name: ruleFields.name.optional(),
    position: ruleFields.position,
    category: categoryRef.optional().describe("Defaults to the transaction's category"),
    addTags: tagsSchema.optional(),
  })
  .nullish();

export const applyRuleBody = z.strictObject({ dryRun: z.boolean().default(false) }).nullish();
export const applyRuleQuery = z.strictObject({ dryRun: z.enum(['true', 'false']).optional().describe('Same as dryRun in the body') });

export const applyResultSchema = z.object({
  ruleId: z.uuid(),
  dryRun: z.boolean(),
  matched: z.number().int().describe('Transactions whose conditions hold'),
  changed: z.number().int().describe('Of those, the ones the actions change (or would, on a dry run)'),
});

export const ruleSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    position: z.number().int(),
    conditions: z.array(
      z.object({ field: z.enum(CONDITION_FIELDS), operator: z.enum(OPERATORS), value: z.union([z.string(), z.tuple([z.string(), z.string()])]) }),
    ),
    actions: z.object({
      category: z.string().nullable().describe('The category slug'),
      categoryId: z.uuid().nullable(),
      merchant: z.string().nullable(),
      addTags: z.array(z.string()),
      transferToAccountId: z.uuid().nullable(),
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Rule' });

export type RuleView = z.infer<typeof ruleSchema>;

export function toRuleView(row: RuleRow): RuleView {
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    conditions: row.conditions,
    actions: {
      category: row.category_slug,
      categoryId: row.category_id,
      merchant: row.merchant,
      addTags: row.add_tags,
      transferToAccountId: row.transfer_account_id,
    },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
