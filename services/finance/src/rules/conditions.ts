/**
 * What a rule's condition may say, as data: the fields, the operators each field takes and the
 * limits. Shared by the request schema (which refuses the rest) and the matcher.
 */

export const TEXT_FIELDS = ['description', 'merchant'] as const;
export const CONDITION_FIELDS = [...TEXT_FIELDS, 'amount', 'accountId', 'type'] as const;
export const OPERATORS = ['contains', 'equals', 'starts_with', 'matches', 'between'] as const;

export type ConditionField = (typeof CONDITION_FIELDS)[number];
export type Operator = (typeof OPERATORS)[number];

export const OPERATORS_BY_FIELD: Record<ConditionField, readonly Operator[]> = {
  description: ['contains', 'equals', 'starts_with', 'matches'],
  merchant: ['contains', 'equals', 'starts_with', 'matches'],
  amount: ['equals', 'between'],
  accountId: ['equals'],
  type: ['equals'],
};

export const MAX_RULES_PER_USER = 200;
export const MAX_CONDITIONS = 20;
/** Also the longest regular expression: RE2 compiles it in time linear in its length. */
export const MAX_VALUE_LENGTH = 500;

/** An amount as a condition writes it: a positive decimal, compared with the transaction's amount in its own currency. */
export const DECIMAL = /^\d{1,15}(\.\d{1,4})?$/;

export interface Condition {
  field: ConditionField;
  operator: Operator;
  /** A text for every operator but `between`, which takes [min, max] amounts. */
  value: string | [string, string];
}
