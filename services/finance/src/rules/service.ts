import { ConflictError, NotFoundError, UnprocessableError, fieldError, newId } from '@expensio/common';
import { accountForWrite } from '../accounts/service.js';
import { categoryForWrite } from '../categories/service.js';
import type { FinanceContext } from '../context.js';
import type { FinanceDb } from '../db.js';
import { requireTransaction } from '../transactions/service.js';
import { MAX_RULES_PER_USER, type Condition } from './conditions.js';
import {
  closePosition,
  countRules,
  deleteRule,
  findRule,
  insertRule,
  listRules,
  lockRuleList,
  moveRule,
  openPosition,
  updateRule,
  type RuleRow,
  type RuleValues,
} from './repo.js';
import type { RuleInput, RulePatch } from './schemas.js';

export async function requireRule(db: FinanceDb, userId: string, id: string): Promise<RuleRow> {
  const rule = await findRule(db, { userId, id });
  if (!rule) throw new NotFoundError(`No rule ${id}`, 'rule_not_found');
  return rule;
}

export async function getRules(ctx: FinanceContext, userId: string): Promise<RuleRow[]> {
  return listRules(ctx.db, userId);
}

/** Everything a rule names must be the caller's: an account in a condition, the category it sets (404 otherwise). */
async function checkConditions(ctx: FinanceContext, db: FinanceDb, userId: string, conditions: Condition[]): Promise<void> {
  for (const [index, condition] of conditions.entries()) {
    if (condition.field === 'accountId' && typeof condition.value === 'string') {
      await accountForWrite(ctx, db, userId, condition.value, `conditions.${index}.value`);
    }
  }
}

type ActionsInput = RuleInput['actions'];

async function actionValues(
  ctx: FinanceContext,
  db: FinanceDb,
  userId: string,
  actions: ActionsInput,
): Promise<Pick<RuleValues, 'category_id' | 'merchant' | 'add_tags' | 'transfer_account_id'>> {
  const category = actions.category === undefined ? null : await categoryForWrite(ctx, db, userId, actions.category);
  const transferTo =
    actions.transferToAccountId === undefined ? null : await accountForWrite(ctx, db, userId, actions.transferToAccountId, 'actions.transferToAccountId');
  if (category !== null && transferTo !== null) {
    throw fieldError(
      'actions.category',
      'actions.category: a transfer takes no category; set either category or transferToAccountId',
      'category_with_transfer',
    );
  }
  const values = {
    category_id: category?.id ?? null,
    merchant: actions.merchant ?? null,
    add_tags: [...new Set(actions.addTags ?? [])],
    transfer_account_id: transferTo?.id ?? null,
  };
  if (values.category_id === null && values.merchant === null && values.add_tags.length === 0 && values.transfer_account_id === null) {
    throw fieldError('actions', 'actions must set a category, a merchant, tags to add or a transfer account', 'no_action');
  }
  return values;
}

/** A position asked for is kept within the list: past its end means last. */
const placeWithin = (asked: number | undefined, last: number) => Math.min(asked ?? last, last);

export async function createRule(ctx: FinanceContext, userId: string, input: RuleInput): Promise<RuleRow> {
  return ctx.db.transaction().execute(async (trx) => {
    await checkConditions(ctx, trx, userId, input.conditions);
    const actions = await actionValues(ctx, trx, userId, input.actions);
    await lockRuleList(trx, userId);
    const count = await countRules(trx, userId);
    if (count >= MAX_RULES_PER_USER)
      throw new ConflictError(`You have ${MAX_RULES_PER_USER} rules, the most there can be; delete one first`, 'rule_limit_reached');
    const position = placeWithin(input.position, count + 1);
    await openPosition(trx, { userId, position });
    const id = newId();
    await insertRule(trx, { id, userId, position, values: { name: input.name, conditions: input.conditions, ...actions }, now: ctx.clock.now() });
    return requireRule(trx, userId, id);
  });
}

/** PATCH changes the fields it names; PUT (`replace`) sends a whole rule, its position kept when it names none. */
export async function changeRule(ctx: FinanceContext, userId: string, id: string, input: RulePatch): Promise<RuleRow> {
  return ctx.db.transaction().execute(async (trx) => {
    await lockRuleList(trx, userId);
    const existing = await requireRule(trx, userId, id);
    if (input.conditions !== undefined) await checkConditions(ctx, trx, userId, input.conditions);
    const actions = input.actions === undefined ? {} : await actionValues(ctx, trx, userId, input.actions);
    await updateRule(trx, {
      userId,
      id,
      now: ctx.clock.now(),
      values: { ...(input.name !== undefined && { name: input.name }), ...(input.conditions !== undefined && { conditions: input.conditions }), ...actions },
    });
    if (input.position !== undefined) {
      const to = placeWithin(input.position, await countRules(trx, userId));
      await moveRule(trx, { userId, id, from: existing.position, to });
    }
    return requireRule(trx, userId, id);
  });
}

export async function removeRule(ctx: FinanceContext, userId: string, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await lockRuleList(trx, userId);
    const existing = await requireRule(trx, userId, id);
    await deleteRule(trx, { userId, id });
    await closePosition(trx, { userId, position: existing.position });
  });
}

/**
 * A rule matching the transaction's merchant (exactly, any case) that sets its category, or the
 * one given: "always file this shop like this".
 */
export async function ruleFromTransaction(
  ctx: FinanceContext,
  userId: string,
  transactionId: string,
  input: { name?: string | undefined; position?: number | undefined; category?: string | undefined; addTags?: string[] | undefined } = {},
): Promise<RuleRow> {
  const transaction = await requireTransaction(ctx.db, userId, transactionId);
  if (transaction.merchant === null || transaction.merchant.trim() === '') {
    throw new UnprocessableError('The transaction has no merchant to make a rule from', 'transaction_without_merchant');
  }
  const category = input.category ?? transaction.category_id ?? undefined;
  if (category === undefined && (input.addTags ?? []).length === 0) {
    throw fieldError('category', 'The transaction has no category: name the category the rule sets', 'no_action');
  }
  return createRule(ctx, userId, {
    name: input.name ?? `Merchant: ${transaction.merchant}`.slice(0, 100),
    position: input.position,
    conditions: [{ field: 'merchant', operator: 'equals', value: transaction.merchant }],
    actions: { category, addTags: input.addTags },
  });
}
