import type { FinanceContext } from '../context.js';
import { planRuleTransfer, transferByRule } from '../transfers/by-rule.js';
import { transactionSnapshot } from '../transactions/events.js';
import { updateTransactionFields, type FieldValues, type TransactionRow } from '../transactions/repo.js';
import { kindFits } from '../categories/kind.js';
import { compileRule, type CompiledRule } from './match.js';
import { ruleDefinition } from './on-write.js';
import { transactionsPage } from './repo.js';
import { requireRule } from './service.js';

const PAGE = 1_000;

export interface ApplyResult {
  ruleId: string;
  dryRun: boolean;
  matched: number;
  changed: number;
}

/** What the rule's actions make of a matching row, or null when they change nothing. */
function changesFor(rule: CompiledRule, row: TransactionRow): { values: FieldValues; changed: string[] } | null {
  const { category, merchant, addTags } = rule.actions;
  const changed: string[] = [];
  const values: FieldValues = { id: row.id, category_id: row.category_id, merchant: row.merchant, description: row.description, tags: row.tags };
  if (category !== null && category.id !== row.category_id && kindFits(category.kind, row.type)) {
    values.category_id = category.id;
    changed.push('category');
  }
  if (merchant !== null && merchant !== row.merchant) {
    values.merchant = merchant;
    changed.push('merchant');
  }
  const tags = [...new Set([...row.tags, ...addTags])];
  if (tags.length !== row.tags.length) {
    values.tags = tags;
    changed.push('tags');
  }
  return changed.length === 0 ? null : { values, changed };
}

/**
 * Applies one rule to the user's recorded income and expenses, a page at a time, in one database
 * transaction (all of it or nothing). Asked for explicitly, it sets its fields also where a
 * transaction already has one. A dry run counts and writes nothing.
 */
export async function applyRule(ctx: FinanceContext, userId: string, id: string, options: { dryRun: boolean }): Promise<ApplyResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await requireRule(trx, userId, id);
    const rule = compileRule(ruleDefinition(row));
    // Conditions SQL can answer narrow what is read; the rest is tested here.
    const narrow = {
      accountId: row.conditions.find((c) => c.field === 'accountId' && c.operator === 'equals')?.value as string | undefined,
      type: row.conditions.find((c) => c.field === 'type' && c.operator === 'equals')?.value as string | undefined,
    };
    const result: ApplyResult = { ruleId: id, dryRun: options.dryRun, matched: 0, changed: 0 };
    const now = ctx.clock.now();
    let after: string | null = null;
    for (;;) {
      const page = await transactionsPage(trx, { userId, after, limit: PAGE, ...narrow });
      const updates: { row: TransactionRow; values: FieldValues; changed: string[] }[] = [];
      const matched: TransactionRow[] = [];
      for (const tx of page) {
        if (
          !rule.test({ accountId: tx.account_id, type: tx.type, amount: tx.amount, currency: tx.currency, description: tx.description, merchant: tx.merchant })
        )
          continue;
        result.matched += 1;
        matched.push(tx);
        const change = changesFor(rule, tx);
        if (change !== null) updates.push({ row: tx, ...change });
      }
      result.changed += updates.length;
      if (!options.dryRun && updates.length > 0) {
        await updateTransactionFields(trx, { userId, now, rows: updates.map((u) => u.values) });
        for (const u of updates) {
          await ctx.bus.publish(trx, 'transaction.updated', userId, { ...transactionSnapshot({ ...u.row, ...u.values }), changed: u.changed });
        }
      }
      const transferTo = rule.actions.transferToAccountId;
      if (transferTo !== null) {
        const updated = new Set(updates.map((u) => u.row.id));
        for (const tx of matched) {
          // A row an earlier one of this run took as its other leg is a transfer by now: skipped.
          const made = options.dryRun
            ? (tx.type === 'income' || tx.type === 'expense') && (await planRuleTransfer(trx, userId, { ...tx, type: tx.type }, transferTo)) !== null
            : (await transferByRule(ctx, trx, userId, tx.id, transferTo)) !== null;
          if (made && !updated.has(tx.id)) result.changed += 1;
        }
      }
      const last = page.at(-1);
      if (last === undefined || page.length < PAGE) break;
      after = last.id;
    }
    return result;
  });
}
