import { z } from 'zod';
import { amountInput } from '../shared/money.js';
import { pageQuery } from '../shared/http.js';
import { toTransactionView, transactionSchema } from '../transactions/schemas.js';
import type { TransactionRow } from '../transactions/repo.js';
import { impliedRate } from './rate.js';

export const transferSchema = z
  .object({
    transferId: z.uuid(),
    from: transactionSchema.describe('The transfer_out leg'),
    to: transactionSchema.describe('The transfer_in leg'),
    rate: z.string().describe('Units of the destination currency per unit of the source, implied by the two amounts ("1" in one currency)'),
  })
  .meta({ id: 'Transfer' });

export type TransferView = z.infer<typeof transferSchema>;

/** The two legs of one transfer. */
export interface TransferLegs {
  transferId: string;
  out: TransactionRow;
  in: TransactionRow;
}

export function toTransferView(legs: TransferLegs): TransferView {
  return { transferId: legs.transferId, from: toTransactionView(legs.out), to: toTransactionView(legs.in), rate: impliedRate(legs.out, legs.in) };
}

export const linkTransferBody = z
  .strictObject({
    counterpartId: z.uuid().optional().describe('Your income (for an expense) or expense (for an income) in another account: it becomes the other leg'),
    accountId: z.uuid().optional().describe('Instead of counterpartId: your account the missing leg is recorded in'),
    amount: amountInput
      .optional()
      .describe("With accountId: the missing leg's amount in that account's currency; required when the currencies differ, else equal to the transaction's"),
  })
  .superRefine((body, ctx) => {
    if ((body.counterpartId === undefined) === (body.accountId === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['counterpartId'],
        message: 'name either counterpartId (an existing leg) or accountId (where to record the missing leg)',
      });
    }
    if (body.amount !== undefined && body.accountId === undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'goes with accountId only' });
  });
export type LinkTransferInput = z.infer<typeof linkTransferBody>;

export const unlinkedSchema = z
  .object({
    expense: transactionSchema.nullable().describe('The transfer_out leg, an expense again'),
    income: transactionSchema.nullable().describe('The transfer_in leg, an income again'),
  })
  .meta({ id: 'UnlinkedTransfer' });

export const candidatesQuery = z.strictObject({
  ...pageQuery,
  accountId: z.uuid().optional().describe('Only pairs with a leg in this account'),
});

export const candidateSchema = z.object({
  expense: transactionSchema.describe('Would become the transfer_out leg'),
  income: transactionSchema.describe('Would become the transfer_in leg'),
  hoursApart: z.number().describe('How far apart the two were booked'),
});
