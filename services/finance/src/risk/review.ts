import type { z } from 'zod';
import { ConflictError, NotFoundError } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { transactionSnapshot } from '../transactions/events.js';
import { lockTransaction, recordReview, type TransactionRow } from '../transactions/repo.js';
import type { reviewBody } from '../transactions/schemas.js';
import { lessonOf } from './service.js';
import { learn } from './repo.js';
import { precisionOf } from './import-scorer.js';
import { userTimeZone } from '../users/time-zone.js';

/**
 * The owner's verdict on a flagged transaction, given once. `legitimate` teaches the baseline what
 * the flag kept from it (the merchant, the place, the amount, the hour); `fraud` keeps the row in
 * the ledger (the money did move) and out of the baseline for good.
 */
export async function reviewTransaction(ctx: FinanceContext, userId: string, id: string, input: z.infer<typeof reviewBody>): Promise<TransactionRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await lockTransaction(trx, { userId, id });
    if (row === undefined) throw new NotFoundError(`No transaction ${id}`, 'transaction_not_found');
    if (!row.risk_flagged) throw new ConflictError('Only a flagged transaction is reviewed', 'not_flagged');
    if (row.review_decision !== null) throw new ConflictError(`Already reviewed as ${row.review_decision}`, 'already_reviewed');
    const now = ctx.clock.now();
    const note = input.note ?? null;
    await recordReview(trx, { userId, id, decision: input.decision, note, now });
    if (input.decision === 'legitimate' && row.type === 'expense') {
      const timeZone = await userTimeZone(trx, userId);
      const location = row.location_country === null ? null : { country: row.location_country, city: row.location_city };
      const subject = {
        id: row.id,
        type: row.type,
        amount: row.amount,
        currency: row.currency,
        categoryId: row.category_id,
        categoryName: null,
        merchant: row.merchant,
        description: row.description,
        occurredAt: row.occurred_at,
        location,
      };
      await learn(trx, userId, [lessonOf(subject, timeZone, row.import_fingerprint === null ? 'instant' : precisionOf(row.occurred_at, timeZone))]);
    }
    const reviewed: TransactionRow = { ...row, review_decision: input.decision, review_note: note, reviewed_at: now, updated_at: now };
    await ctx.bus.publish(trx, 'transaction.updated', userId, { ...transactionSnapshot(reviewed), changed: ['review'] });
    return reviewed;
  });
}
