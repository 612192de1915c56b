import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams } from '../shared/http.js';
import { toTransferView, transferSchema, type TransferLegs } from '../transfers/schemas.js';
import { accountSchema, createAccountBody, toAccountView, transferBody, updateAccountBody } from './schemas.js';
import { changeAccount, createAccount, getAccount, getAccounts, removeAccount } from './service.js';
import { transfer } from './transfers.js';
import { answerFor, idempotency } from '../shared/idempotent-route.js';

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

  app.post(
    '/api/accounts',
    { config, schema: { tags, summary: 'Open an account', body: createAccountBody, response: { 201: accountSchema } } },
    async (request, reply) => {
      return reply.status(201).send(toAccountView(await createAccount(ctx, requireUser(request).id, request.body)));
    },
  );

  app.get('/api/accounts/:id', { config, schema: { tags, summary: 'One account', params: idParams, response: { 200: accountSchema } } }, async (request) => {
    return toAccountView(await getAccount(ctx, requireUser(request).id, request.params.id));
  });

  app.patch(
    '/api/accounts/:id',
    {
      config,
      schema: { tags, summary: 'Rename, archive or unarchive, make default', params: idParams, body: updateAccountBody, response: { 200: accountSchema } },
    },
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
        summary: 'Move money between two of your accounts (both legs or neither), also between currencies',
        body: transferBody,
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        response: { 201: transferSchema },
      },
      ...idempotency(ctx, 'accounts.transfer'),
    },
    async (request, reply) => {
      const answer = answerFor(request, (result: TransferLegs) => ({ status: 201, body: toTransferView(result) }));
      return reply.status(201).send(toTransferView(await transfer(ctx, requireUser(request).id, request.body, answer)));
    },
  );
}
