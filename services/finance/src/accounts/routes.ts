import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams } from '../shared/http.js';
import { toTransactionView, transactionSchema } from '../transactions/schemas.js';
import { accountSchema, createAccountBody, toAccountView, transferBody, updateAccountBody } from './schemas.js';
import { changeAccount, createAccount, getAccount, getAccounts, removeAccount } from './service.js';
import { transfer } from './transfers.js';
import { answerFor, idempotency } from '../shared/idempotent-route.js';

type Transfer = Awaited<ReturnType<typeof transfer>>;

function transferView({ transferId, legs }: Transfer) {
  const out = legs.find((l) => l.type === 'transfer_out');
  const into = legs.find((l) => l.type === 'transfer_in');
  if (!out || !into) throw new Error('transfer legs missing after insert');
  return { transferId, from: toTransactionView(out), to: toTransactionView(into) };
}

export function accountRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['accounts'];
  const config = { auth: 'user' as const };

  app.get(
    '/api/accounts',
    {
      config,
      schema: {
        tags,
        summary: 'Your accounts with their balances',
        querystring: z.strictObject({ includeArchived: z.enum(['true', 'false']).default('false') }),
        response: { 200: z.object({ items: z.array(accountSchema) }) },
      },
    },
    async (request) => {
      const rows = await getAccounts(ctx, requireUser(request).id, request.query.includeArchived === 'true');
      return { items: rows.map(toAccountView) };
    },
  );

  app.post('/api/accounts', { config, schema: { tags, summary: 'Open an account', body: createAccountBody, response: { 201: accountSchema } } }, async (request, reply) => {
    return reply.status(201).send(toAccountView(await createAccount(ctx, requireUser(request).id, request.body)));
  });

  app.get('/api/accounts/:id', { config, schema: { tags, summary: 'One account', params: idParams, response: { 200: accountSchema } } }, async (request) => {
    return toAccountView(await getAccount(ctx, requireUser(request).id, request.params.id));
  });

  app.patch(
    '/api/accounts/:id',
    { config, schema: { tags, summary: 'Rename, archive or unarchive, make default', params: idParams, body: updateAccountBody, response: { 200: accountSchema } } },
    async (request) => toAccountView(await changeAccount(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.delete(
    '/api/accounts/:id',
    { config, schema: { tags, summary: 'Delete an account with no transactions (archive one that has them)', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeAccount(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/accounts/transfers',
    {
      config,
      schema: {
        tags,
        summary: 'Move money between two of your accounts (both legs or neither)',
        body: transferBody,
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        response: { 201: z.object({ transferId: z.uuid(), from: transactionSchema, to: transactionSchema }) },
      },
      ...idempotency(ctx, 'accounts.transfer'),
    },
    async (request, reply) => {
      const answer = answerFor(request, (result: Transfer) => ({ status: 201, body: transferView(result) }));
      return reply.status(201).send(transferView(await transfer(ctx, requireUser(request).id, request.body, answer)));
    },
  );
}
