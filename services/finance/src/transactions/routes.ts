import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams, listSchema } from '../shared/http.js';
import { idempotency, keyTicket, sendReplay } from '../shared/idempotent-route.js';
import { editTransactions } from './bulk.js';
import { reviewTransaction } from '../risk/review.js';
import { createTransaction } from './create.js';
import {
  bulkEditBody,
  createTransactionBody,
  flaggedQuery,
  listTransactionsQuery,
  reviewBody,
  summaryQuery,
  summarySchema,
  toTransactionView,
  transactionSchema,
  updateTransactionBody,
} from './schemas.js';
import { changeTransaction, removeTransaction, requireTransaction, searchTransactions, summary } from './service.js';

/** The list's answer goes out as built: see where it is used. */
const plainJson = () => (data: unknown) => JSON.stringify(data);

export function transactionRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['transactions'];
  const config = { auth: 'user' as const };

  app.post(
    '/api/transactions',
    {
      config,
      schema: {
        tags,
        summary: 'Record a transaction',
        description:
          'Send an Idempotency-Key header to make retries safe: the same key and body within 24 hours replays the first answer (Idempotent-Replayed: true) and writes nothing; the same key with another body is 422; while the first is still running, 409.',
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        body: createTransactionBody,
        response: { 201: transactionSchema },
      },
      // The key is claimed by the create's first statement, with what it reads (a round trip saved).
      ...idempotency(ctx, 'transactions.create', { claimedBy: 'work' }),
    },
    async (request, reply) => {
      const created = await createTransaction(ctx, requireUser(request).id, request.body, { key: keyTicket(request), clientIp: request.ip });
      if ('replay' in created) return sendReplay(reply, created.replay);
      return reply.status(201).send(created.view);
    },
  );

  app.get(
    '/api/transactions',
    {
      config: { ...config, problems: { 404: 'The category a filter names is not one of yours or a default one (`category_not_found`)' } },
      schema: {
        tags,
        summary: 'Your transactions, newest first, filtered and paged',
        querystring: listTransactionsQuery,
        response: { 200: listSchema(transactionSchema) },
      },
      // The items are built field by field by toTransactionView, typed by the schema above, so
      // nothing else can reach the answer; re-validating 50 of them per page cost ~10% of the
      // route's time (docs/benchmarks.md).
      serializerCompiler: plainJson,
    },
    async (request) => {
      const page = await searchTransactions(ctx, requireUser(request).id, request.query);
      return { items: page.rows.map(toTransactionView), nextCursor: page.nextCursor };
    },
  );

  app.patch(
    '/api/transactions',
    {
      config,
      schema: {
        tags,
        summary: 'Change the same fields of many transactions: all of them or none',
        description: 'Every id must be yours: one that is not is a 404 and nothing changes.',
        body: bulkEditBody,
        response: { 200: z.object({ items: z.array(transactionSchema) }) },
      },
    },
    async (request) => ({ items: (await editTransactions(ctx, requireUser(request).id, request.body)).map(toTransactionView) }),
  );

  app.get(
    '/api/transactions/summary',
    {
      config,
      schema: {
        tags,
        summary:
          'Income, expense, net and totals by category for a week, month, quarter or year (the current one, or the one holding `date`) or a from/to range of days, in your time zone',
        querystring: summaryQuery,
        response: { 200: summarySchema },
      },
    },
    async (request) => summary(ctx, requireUser(request).id, request.query),
  );

  app.get(
    '/api/transactions/flagged',
    {
      config,
      schema: {
        tags,
        summary: 'Your transactions the fraud score flagged, newest first, paged',
        description:
          'A transaction is flagged when its risk score reaches SECURITY_ALERT_THRESHOLD (docs/fraud-scoring.md). Review each with PATCH /api/transactions/{id}/review.',
        querystring: flaggedQuery,
        response: { 200: listSchema(transactionSchema) },
      },
      serializerCompiler: plainJson,
    },
    async (request) => {
      const { status, ...paging } = request.query;
      const page = await searchTransactions(ctx, requireUser(request).id, { ...paging, flagged: true, review: status });
      return { items: page.rows.map(toTransactionView), nextCursor: page.nextCursor };
    },
  );

  app.patch(
    '/api/transactions/:id/review',
    {
      config,
      schema: {
        tags,
        summary: 'Say whether a flagged transaction was yours',
        description:
          'legitimate: its merchant and place become known and its amount joins your baseline; fraud: it stays in the ledger but never counts as your normal spending. 409 when the transaction is not flagged or already reviewed.',
        params: idParams,
        body: reviewBody,
        response: { 200: transactionSchema },
      },
    },
    async (request) => toTransactionView(await reviewTransaction(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.get(
    '/api/transactions/:id',
    { config, schema: { tags, summary: 'One transaction', params: idParams, response: { 200: transactionSchema } } },
    async (request) => {
      return toTransactionView(await requireTransaction(ctx.db, requireUser(request).id, request.params.id));
    },
  );

  app.patch(
    '/api/transactions/:id',
    { config, schema: { tags, summary: 'Change a transaction', params: idParams, body: updateTransactionBody, response: { 200: transactionSchema } } },
    async (request) => toTransactionView(await changeTransaction(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.delete(
    '/api/transactions/:id',
    { config, schema: { tags, summary: 'Delete a transaction (both legs of a transfer)', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeTransaction(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
