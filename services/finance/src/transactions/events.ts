import type { EventPayload } from '@expensio/common';
import { formatAmount } from '../shared/money.js';
import type { DeletedTransaction, TransactionRow } from './repo.js';

type Snapshot = EventPayload<'transaction.created'>;

/** What consumers of transaction events learn of a row: enough to show or reverse it without calling finance. */
export function transactionSnapshot(row: Omit<TransactionRow, 'created_at' | 'updated_at' | 'import_fingerprint' | 'category_slug' | 'occurrence_date'>): Snapshot {
  return {
    transactionId: row.id,
    accountId: row.account_id,
    type: row.type,
    amount: formatAmount(row.amount, row.currency),
    currency: row.currency,
    categoryId: row.category_id,
    description: row.description,
    merchant: row.merchant,
    occurredAt: row.occurred_at.toISOString(),
    tags: row.tags,
    transferId: row.transfer_id,
    recurringRuleId: row.recurring_rule_id,
  };
}

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
