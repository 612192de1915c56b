import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams, listSchema } from '../shared/http.js';
import {
  budgetSchema,
  createBudgetBody,
  eventsQuery,
  overviewQuery,
  overviewSchema,
  replaceBudgetBody,
  thresholdEventSchema,
  toBudgetView,
  toOverviewItem,
  toThresholdEventView,
} from './schemas.js';
import { budgetEvents, budgetOverview, createBudget, getBudgets, removeBudget, replaceBudget, requireBudget } from './service.js';

export function budgetRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['budgets'];
  const config = { auth: 'user' as const };

  app.get(
    '/api/budgets',
    { config, schema: { tags, summary: 'Your budgets', response: { 200: z.object({ items: z.array(budgetSchema) }) } } },
    async (request) => {
      return { items: (await getBudgets(ctx, requireUser(request).id)).map(toBudgetView) };
    },
  );

  app.post(
    '/api/budgets',
    {
      config,
      schema: {
        tags,
        summary: 'Create a budget',
        description:
          'Spending is your expense transactions in the budget’s currency (and category) within each period; transfers are not spending and income does not reduce it.',
        body: createBudgetBody,
        response: { 201: budgetSchema },
      },
    },
    async (request, reply) => reply.status(201).send(toBudgetView(await createBudget(ctx, requireUser(request).id, request.body))),
  );

  app.get(
    '/api/budgets/overview',
    {
      config,
      schema: {
        tags,
        summary:
          'Each budget in its current period (or the one holding `date`, or over the periods a from/to range overlaps): budgeted, rolled over, spent, remaining, percent used and status',
        description:
          'Periods are counted in your time zone. Over a from/to range, each budget shows the whole periods that overlap it as one: what carried into the first, everything budgeted and spent in all of them.',
        querystring: overviewQuery,
        response: { 200: overviewSchema },
      },
    },
    async (request) => {
      const { asOf, timeZone, budgets } = await budgetOverview(ctx, requireUser(request).id, request.query);
      return { asOf: asOf.toISOString(), timeZone, items: budgets.map(({ budget, current }) => toOverviewItem(budget, current, timeZone)) };
    },
  );

  app.get('/api/budgets/:id', { config, schema: { tags, summary: 'One budget', params: idParams, response: { 200: budgetSchema } } }, async (request) => {
    return toBudgetView(await requireBudget(ctx.db, requireUser(request).id, request.params.id));
  });

  app.put(
    '/api/budgets/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Replace a budget (send every field; category and rolloverCap may be omitted for null)',
        description: 'Past periods are recomputed with the new terms: rollover always follows from the budget as it stands and the transactions.',
        params: idParams,
        body: replaceBudgetBody,
        response: { 200: budgetSchema },
      },
    },
    async (request) => toBudgetView(await replaceBudget(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.delete(
    '/api/budgets/:id',
    { config, schema: { tags, summary: 'Delete a budget and its threshold events', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeBudget(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/budgets/:id/events',
    {
      config,
      schema: {
        tags,
        summary: 'The budget’s threshold events (80% reached, 100% passed), newest first',
        description: 'One event per threshold and period, recorded when a transaction or budget change first finds the period at or past it.',
        params: idParams,
        querystring: eventsQuery,
        response: { 200: listSchema(thresholdEventSchema) },
      },
    },
    async (request) => {
      const page = await budgetEvents(ctx, requireUser(request).id, request.params.id, request.query);
      return { items: page.rows.map(toThresholdEventView), nextCursor: page.nextCursor };
    },
  );
}
