import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { toMoodView } from '../moods/schemas.js';
import { attachMood } from '../moods/service.js';
import { idParams, listSchema } from '../shared/http.js';
import { idempotent, requestHash, validKey } from '../shared/idempotency.js';
import { createInOneStatement } from './one-statement.js';
import {
  createTransactionBody,
  listTransactionsQuery,
  summaryQuery,
  summarySchema,
  toTransactionView,
  transactionSchema,
  updateTransactionBody,
} from './schemas.js';
import { changeTransaction, createTransaction, removeTransaction, requireTransaction, searchTransactions, summary } from './service.js';

/** The answers of the hot routes go out as built: see where it is used. */
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
      // As for the list below: the answer is built field by field by toTransactionView (or is the
      // stored first answer, built the same way), so re-validating it on the way out only costs.
      serializerCompiler: plainJson,
    },
    async (request, reply) => {
      const userId = requireUser(request).id;
      const key = validKey(request.headers['idempotency-key']);
      const fast = await createInOneStatement(ctx, userId, request.body, key === undefined ? undefined : { key, hash: requestHash(request.body) });
      if (fast !== undefined) return reply.status(201).send(fast);
      const result = await idempotent(ctx, { userId, key, body: request.body }, async (trx) => {
        const { mood, ...input } = request.body;
        const created = await createTransaction(ctx, trx, userId, input);
        // The next create of this user guesses this account's currency right, and takes one statement.
        if (created.currency !== ctx.config.DEFAULT_CURRENCY) ctx.accountCurrencies.set(userId, input.accountId, created.currency);
        const view = toTransactionView(created);
        if (mood === undefined) return { status: 201, body: view };
        return { status: 201, body: { ...view, mood: toMoodView(await attachMood(ctx, trx, userId, created.id, mood)) } };
      });
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      // The stored answer of this route is always a 201 with the transaction.
      return reply.status(201).send(result.body as z.infer<typeof transactionSchema>);
    },
  );

  app.get(
    '/api/transactions',
    {
      config,
      schema: { tags, summary: 'Your transactions, newest first, filtered and paged', querystring: listTransactionsQuery, response: { 200: listSchema(transactionSchema) } },
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

  app.get(
    '/api/transactions/summary',
    { config, schema: { tags, summary: 'Income, expense, net and totals by category for the current week, month, quarter or year (UTC)', querystring: summaryQuery, response: { 200: summarySchema } } },
    async (request) => summary(ctx, requireUser(request).id, request.query),
  );

  app.get('/api/transactions/:id', { config, schema: { tags, summary: 'One transaction', params: idParams, response: { 200: transactionSchema } } }, async (request) => {
    return toTransactionView(await requireTransaction(ctx.db, requireUser(request).id, request.params.id));
  });

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
