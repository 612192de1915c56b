import { randomUUID } from 'node:crypto';
import type { EventPayload } from '../events/catalog.js';

/** A valid `transaction.created` payload with fresh ids, for tests that need some event to carry. */
export function sampleTransactionCreated(overrides: Partial<EventPayload<'transaction.created'>> = {}): EventPayload<'transaction.created'> {
  return {
    transactionId: randomUUID(),
    accountId: randomUUID(),
    type: 'expense',
    amount: '12.34',
    currency: 'EUR',
    categoryId: null,
    description: 'coffee',
    merchant: null,
    occurredAt: '2026-03-15T12:00:00.000Z',
    tags: [],
    transferId: null,
    recurringRuleId: null,
    ...overrides,
  };
}
