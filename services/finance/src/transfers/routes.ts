import { requireUser, type HttpApp } from '@expensio/common';
import { z } from 'zod';
import type { FinanceContext } from '../context.js';
import { idParams, listSchema } from '../shared/http.js';
import { toTransactionView } from '../transactions/schemas.js';
import { findCandidates } from './candidates.js';
import { answerFor, idempotency } from '../shared/idempotent-route.js';
import { linkTransfer, type LinkResult } from './link.js';
import { candidateSchema, candidatesQuery, linkTransferBody, toTransferView, transferSchema, unlinkedSchema } from './schemas.js';
import { unlinkTransfer } from './unlink.js';

const HOUR_MS = 60 * 60 * 1000;

export function transferRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['transactions'];
  const config = { auth: 'user' as const };

  app.get(
    '/api/transactions/transfer-candidates',
    {
      config,
      schema: {
        tags,
        summary: 'Pairs that look like the two legs of one transfer, closest in time first',
        description:
          'An expense in one of your accounts and an income of the same amount and currency in another, booked at most 5 days apart, neither a transfer yet. Link one with POST /api/transactions/{id}/link-transfer.',
        querystring: candidatesQuery,
        response: { 200: listSchema(candidateSchema) },
      },
    },
    async (request) => {
      const page = await findCandidates(ctx, requireUser(request).id, request.query);
      return {
        items: page.items.map((c) => ({
          expense: toTransactionView(c.expense),
          income: toTransactionView(c.income),
          hoursApart: Math.round((c.gapMs / HOUR_MS) * 100) / 100,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.post(
    '/api/transactions/:id/link-transfer',
    {
      config,
      schema: {
        tags,
        summary: 'Make an expense and an income in two accounts the legs of one transfer, or record the missing leg',
        description:
          'With counterpartId: the two (an expense and an income of the same amount and currency, in two accounts, at most 5 days apart) become transfer_out and transfer_in, their categories cleared; 200. With accountId: the missing leg is recorded in that account; 201. A transfer is not spending or income. Undo with DELETE on the same path. Send an Idempotency-Key header to make retries safe: the same key and body within 24 hours replays the first answer (Idempotent-Replayed: true) and writes nothing; the same key with another body is 422; while the first is still running, 409.',
        params: idParams,
        body: linkTransferBody,
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        response: { 200: transferSchema, 201: transferSchema },
      },
      ...idempotency(ctx, 'transfers.link'),
    },
    async (request, reply) => {
      const answer = answerFor(request, (result: LinkResult) => ({ status: result.created ? 201 : 200, body: toTransferView(result) }));
      const result = await linkTransfer(ctx, requireUser(request).id, request.params.id, request.body, answer);
      return reply.status(result.created ? 201 : 200).send(toTransferView(result));
    },
  );

  app.delete(
    '/api/transactions/:id/link-transfer',
    {
      config,
      schema: {
        tags,
        summary: 'Unlink a transfer: both legs become an ordinary expense and income again',
        description:
          'Either leg names the transfer. The transfer_out becomes an expense and the transfer_in an income, each in its own account with its own amount, date, description, merchant and tags, and no category; each publishes transaction.updated. Every transfer can be unlinked, whatever made it: a link (with counterpartId, or with accountId: the leg recorded then stays, as an income or expense), a rule’s transferToAccountId, or POST /api/accounts/transfers (its legs become the expense and income the two accounts show; to remove a transfer instead, DELETE /api/transactions/{id}). 404 for an unknown id; 409 not_a_transfer when the transaction is not a leg of a transfer.',
        params: idParams,
        response: { 200: unlinkedSchema },
      },
    },
    async (request) => {
      const result = await unlinkTransfer(ctx, requireUser(request).id, request.params.id);
      return { expense: result.expense && toTransactionView(result.expense), income: result.income && toTransactionView(result.income) };
    },
  );
}
