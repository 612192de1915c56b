import type { FinanceDb } from '../db.js';
import type { ImportRow } from '../imports/rows.js';
import type { NewTransaction, TransactionRow } from '../transactions/repo.js';
import { compileRule, decide, type Candidate, type CompiledRule, type Outcome, type RuleDefinition } from './match.js';
import { listRules, type RuleRow } from './repo.js';

/** The fields of a rule that its matching and actions need. */
export type RuleFields = Pick<
  RuleRow,
  'id' | 'conditions' | 'category_id' | 'category_slug' | 'category_kind' | 'merchant' | 'add_tags' | 'transfer_account_id'
>;

export function ruleDefinition(row: RuleFields): RuleDefinition {
  return {
    id: row.id,
    conditions: row.conditions,
    actions: {
      category:
        row.category_id === null || row.category_slug === null ? null : { id: row.category_id, slug: row.category_slug, kind: row.category_kind ?? 'any' },
      merchant: row.merchant,
      addTags: row.add_tags,
      transferToAccountId: row.transfer_account_id,
    },
  };
}

/** The user's rules, read once for a request or a whole import file and compiled. */
export async function rulesForWrite(db: FinanceDb, userId: string): Promise<CompiledRule[]> {
  return (await listRules(db, userId)).map((row) => compileRule(ruleDefinition(row)));
}

/** Which fields the request (the file row, the recurring template) set itself: rules leave those alone. */
export interface GivenFields {
  category: boolean;
  merchant: boolean;
}

function outcomeFor(rules: readonly CompiledRule[], candidate: Candidate, given: GivenFields): Outcome {
  const outcome = decide(rules, candidate);
  if (given.category) delete outcome.category;
  if (given.merchant) delete outcome.merchant;
  return outcome;
}

const withTags = (tags: string[], added: string[]) => (added.length === 0 ? tags : [...new Set([...tags, ...added])]);

/**
 * A transaction built by the create path, with what the rules set. Tags are added to the request's.
 * `transferTo`: a rule makes it a transfer with that account, which the write carries out
 * (transfers/by-rule.ts); a category the request gave says it is spending or income, not a transfer.
 */
export function applyRulesToNew<T extends { values: NewTransaction; row: TransactionRow }>(
  rules: readonly CompiledRule[],
  built: T,
  given: GivenFields,
): T & { transferTo: string | undefined } {
  if (rules.length === 0) return { ...built, transferTo: undefined };
  const { values } = built;
  const outcome = outcomeFor(
    rules,
    {
      accountId: values.account_id,
      type: values.type,
      amount: values.amount,
      currency: values.currency,
      description: values.description,
      merchant: values.merchant,
    },
    given,
  );
  const transferTo = given.category ? undefined : outcome.transferToAccountId;
  const changes = {
    ...(outcome.category && { category_id: outcome.category.id }),
    ...(outcome.merchant !== undefined && { merchant: outcome.merchant }),
    tags: withTags(values.tags, outcome.addTags),
  };
  return {
    ...built,
    values: { ...values, ...changes },
    row: { ...built.row, ...changes, ...(outcome.category && { category_slug: outcome.category.slug }) },
    transferTo,
  };
}

/**
 * A row of an import file with what the rules set; a category or merchant cell left empty is not
 * "set". `transferTo` as for applyRulesToNew: the import makes the transfer once the row is written.
 */
export function applyRulesToImportRow<T extends ImportRow>(
  rules: readonly CompiledRule[],
  row: T,
  account: { id: string; currency: string },
): T & { transferTo?: string | undefined } {
  if (rules.length === 0) return row;
  const candidate = {
    accountId: account.id,
    type: row.type,
    amount: row.amount,
    currency: account.currency,
    description: row.description,
    merchant: row.merchant,
  };
  const outcome = outcomeFor(rules, candidate, { category: row.categoryId !== null, merchant: row.merchant !== null });
  return {
    ...row,
    ...(outcome.category && { categoryId: outcome.category.id }),
    ...(outcome.merchant !== undefined && { merchant: outcome.merchant }),
    tags: withTags(row.tags, outcome.addTags),
    ...(row.categoryId === null && outcome.transferToAccountId !== undefined && { transferTo: outcome.transferToAccountId }),
  };
}
