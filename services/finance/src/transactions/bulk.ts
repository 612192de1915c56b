import type { z } from 'zod';
import { NotFoundError, fieldError } from '@expensio/common';
import { recordBudgetThresholds } from '../budgets/thresholds.js';
import { requireCategory, requireKindFits } from '../categories/service.js';
import type { FinanceContext } from '../context.js';
import { otherLegs } from '../transfers/repo.js';
import { transactionSnapshot } from './events.js';
import type { bulkEditBody } from './schemas.js';
import { findTransactions, updateTransactionFields, type TransactionRow } from './repo.js';

type BulkEdit = z.infer<typeof bulkEditBody>;

/**
 * Changes the same fields of many transactions in one database transaction: every id must be the
 * caller's (404 naming the first that is not, and nothing changes).
 */
export async function editTransactions(ctx: FinanceContext, userId: string, input: BulkEdit): Promise<TransactionRow[]> {
  const ids = [...new Set(input.ids.map((id) => id.toLowerCase()))];
  const { set } = input;
  return ctx.db.transaction().execute(async (trx) => {
    const rows = await findTransactions(trx, { userId, ids });
    if (rows.length !== ids.length) {
      const found = new Set(rows.map((r) => r.id));
      const missing = ids.find((id) => !found.has(id));
      throw new NotFoundError(`No transaction ${missing} (ids)`, 'transaction_not_found');
    }
    const leg = set.category == null ? undefined : rows.find((r) => r.transfer_id !== null);
    if (leg !== undefined) throw fieldError('set.category', `set.category: ${leg.id} is a transfer leg, which takes no category`, 'transfer_leg_category');
    const category = set.category === undefined ? undefined : set.category === null ? null : await requireCategory(trx, userId, set.category);
    // As on a single PATCH: an expense never lands in an income category, nor income in an expense one.
    if (category) for (const row of rows) requireKindFits(category, row.type);
    const changed = rows.map((row) => ({
      ...row,
      ...(category !== undefined && { category_id: category?.id ?? null, category_slug: category?.slug ?? null }),
      ...(set.merchant !== undefined && { merchant: set.merchant }),
      ...(set.description !== undefined && { description: set.description }),
      ...(set.tags !== undefined && { tags: [...new Set(set.tags)] }),
      updated_at: ctx.clock.now(),
    }));
    // A transfer's description is both legs' (ADR 0016): the other leg of a leg named here follows.
    const description = set.description;
    const counterparts =
      description === undefined
        ? []
        : (await otherLegs(trx, { userId, transferIds: changed.flatMap((r) => (r.transfer_id === null ? [] : [r.transfer_id])), exceptIds: ids })).map(
            (row) => ({
              ...row,
              description,
              updated_at: ctx.clock.now(),
            }),
          );
    await updateTransactionFields(trx, { userId, now: ctx.clock.now(), rows: [...changed, ...counterparts] });
    const fields = Object.keys(set);
    for (const row of changed) await ctx.bus.publish(trx, 'transaction.updated', userId, { ...transactionSnapshot(row), changed: fields });
    for (const row of counterparts) await ctx.bus.publish(trx, 'transaction.updated', userId, { ...transactionSnapshot(row), changed: ['description'] });
    // As a single PATCH does: a new category can take an expense's budget past a threshold.
    if (category !== undefined) {
      const spending = new Map<string, TransactionRow>();
      for (const row of changed) {
        if (row.type !== 'expense') continue;
        const key = `${row.category_id ?? ''}|${row.currency}`;
        const latest = spending.get(key);
        if (latest === undefined || row.occurred_at > latest.occurred_at) spending.set(key, row);
      }
      for (const row of spending.values())
        await recordBudgetThresholds(ctx, trx, userId, { occurredAt: row.occurred_at, categoryId: row.category_id, currency: row.currency });
    }
    return changed;
  });
}
