import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams } from '../shared/http.js';
import { applyRule } from './apply.js';
import { applyResultSchema, applyRuleBody, applyRuleQuery, createRuleBody, fromTransactionBody, ruleSchema, toRuleView, updateRuleBody } from './schemas.js';
import { changeRule, createRule, getRules, removeRule, requireRule, ruleFromTransaction } from './service.js';

export function ruleRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['rules'];
  const config = { auth: 'user' as const };

  app.get(
    '/api/rules',
    { config, schema: { tags, summary: 'Your rules, in the order they apply', response: { 200: z.object({ items: z.array(ruleSchema) }) } } },
    async (request) => {
      return { items: (await getRules(ctx, requireUser(request).id)).map(toRuleView) };
    },
  );

  app.post(
    '/api/rules',
    {
      config,
      schema: {
        tags,
        summary: 'Create a rule',
        description:
          'Applied to every transaction created, imported or posted by a recurring rule, for the fields the request leaves unset; every condition must hold. All matching rules apply in position order: a field two of them set goes to the first, tags are added from each.',
        body: createRuleBody,
        response: { 201: ruleSchema },
      },
    },
    async (request, reply) => reply.status(201).send(toRuleView(await createRule(ctx, requireUser(request).id, request.body))),
  );

  app.post(
    '/api/rules/from-transaction/:id',
    {
      config,
      schema: {
        tags,
        summary: "Create a rule from a transaction's merchant",
        description: "Matches the merchant exactly (any case) and sets the transaction's category, or the one given.",
        params: idParams,
        body: fromTransactionBody,
        response: { 201: ruleSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(toRuleView(await ruleFromTransaction(ctx, requireUser(request).id, request.params.id, request.body ?? {}))),
  );

  app.get('/api/rules/:id', { config, schema: { tags, summary: 'One rule', params: idParams, response: { 200: ruleSchema } } }, async (request) => {
    return toRuleView(await requireRule(ctx.db, requireUser(request).id, request.params.id));
  });

  app.patch(
    '/api/rules/:id',
    { config, schema: { tags, summary: 'Change a rule, or move it (position)', params: idParams, body: updateRuleBody, response: { 200: ruleSchema } } },
    async (request) => toRuleView(await changeRule(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.put(
    '/api/rules/:id',
    {
      config,
      schema: { tags, summary: 'Replace a rule (its position kept unless named)', params: idParams, body: createRuleBody, response: { 200: ruleSchema } },
    },
    async (request) => toRuleView(await changeRule(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.delete(
    '/api/rules/:id',
    { config, schema: { tags, summary: 'Delete a rule', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeRule(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/rules/:id/apply',
    {
      config,
      schema: {
        tags,
        summary: 'Apply a rule to the transactions already recorded',
        description: 'Sets its fields on every matching income and expense, also where one is already set. With dryRun (body or query) it only counts.',
        params: idParams,
        querystring: applyRuleQuery,
        body: applyRuleBody,
        response: { 200: applyResultSchema },
      },
    },
    async (request) => {
      const dryRun = request.query.dryRun === 'true' || request.body?.dryRun === true;
      return applyRule(ctx, requireUser(request).id, request.params.id, { dryRun });
    },
  );
}
