import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams, listSchema } from '../shared/http.js';
import { toTransactionView } from '../transactions/schemas.js';
import { findCandidates } from './candidates.js';
import { linkTransfer } from './link.js';
import { candidateSchema, candidatesQuery, linkTransferBody, toTransferView, transferSchema } from './schemas.js';

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
          'With counterpartId: the two (an expense and an income of the same amount and currency, in two accounts, at most 5 days apart) become transfer_out and transfer_in, their categories cleared; 200. With accountId: the missing leg is recorded in that account; 201. A transfer is not spending or income.',
        params: idParams,
        body: linkTransferBody,
        response: { 200: transferSchema, 201: transferSchema },
      },
    },
    async (request, reply) => {
      const result = await linkTransfer(ctx, requireUser(request).id, request.params.id, request.body);
      return reply.status(result.created ? 201 : 200).send(toTransferView(result));
    },
  );
}
