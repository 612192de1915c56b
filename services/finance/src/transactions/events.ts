import type { EventPayload } from '@expensio/common';
import { formatAmount } from '../shared/money.js';
import type { DeletedTransaction, TransactionRow } from './repo.js';

/** The deleted event names the row as it was, so a consumer can undo what it did with the created one. */
export function deletedSnapshot(row: DeletedTransaction): EventPayload<'transaction.deleted'> {
  return {
    transactionId: row.id,
    accountId: row.account_id,
    type: row.type,
    amount: formatAmount(row.amount, row.currency),
    currency: row.currency,
    occurredAt: row.occurred_at.toISOString(),
  };
}

/** What consumers of transaction events learn of a row: enough to show or reverse it without calling finance. */
export function transactionSnapshot(
  row: Omit<TransactionRow, 'created_at' | 'updated_at' | 'import_fingerprint' | 'category_slug' | 'occurrence_date'>,
): EventPayload<'transaction.created'> {
  return {
    ...deletedSnapshot(row),
    categoryId: row.category_id,
    description: row.description,
    merchant: row.merchant,
    tags: row.tags,
    transferId: row.transfer_id,
    recurringRuleId: row.recurring_rule_id,
  };
}
