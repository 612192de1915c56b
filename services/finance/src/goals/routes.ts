import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams, listSchema } from '../shared/http.js';
import { contributionBody, contributionSchema, createGoalBody, goalSchema, listQuery, toContributionView, toGoalView, updateGoalBody } from './schemas.js';
import { changeGoal, contribute, createGoal, getContributions, getGoals, removeGoal, requireGoal } from './service.js';
import { answerFor, idempotency } from '../shared/idempotent-route.js';

export function goalRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['goals'];
  const config = { auth: 'user' as const };
  const view = (row: Parameters<typeof toGoalView>[0]) => toGoalView(row, ctx.clock.now());

  app.get(
    '/api/goals',
    {
      config,
      schema: { tags, summary: 'Your savings goals with their progress, newest first', querystring: listQuery, response: { 200: listSchema(goalSchema) } },
    },
    async (request) => {
      const page = await getGoals(ctx, requireUser(request).id, request.query);
      return { items: page.rows.map(view), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/api/goals',
    { config, schema: { tags, summary: 'Set a savings goal', body: createGoalBody, response: { 201: goalSchema } } },
    async (request, reply) => {
      return reply.status(201).send(view(await createGoal(ctx, requireUser(request).id, request.body)));
    },
  );

  app.get(
    '/api/goals/:id',
    { config, schema: { tags, summary: 'One goal with its progress', params: idParams, response: { 200: goalSchema } } },
    async (request) => {
      return view(await requireGoal(ctx.db, requireUser(request).id, request.params.id));
    },
  );

  app.patch(
    '/api/goals/:id',
    {
      config,
      schema: { tags, summary: 'Rename a goal, change its target or deadline', params: idParams, body: updateGoalBody, response: { 200: goalSchema } },
    },
    async (request) => view(await changeGoal(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.delete(
    '/api/goals/:id',
    { config, schema: { tags, summary: 'Delete a goal and its contributions', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeGoal(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/goals/:id/contributions',
    {
      config,
      schema: {
        tags,
        summary: 'Add money to a goal (positive amount) or withdraw from it (negative)',
        description: 'What is saved never goes below zero (422). The first time the saved sum reaches the target, the goal records its completion, once.',
        params: idParams,
        body: contributionBody,
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        response: { 201: z.object({ contribution: contributionSchema, goal: goalSchema }) },
      },
      ...idempotency(ctx, 'goals.contribute'),
    },
    async (request, reply) => {
      const toView = ({ contribution, goal }: Awaited<ReturnType<typeof contribute>>) => ({
        contribution: toContributionView(contribution, goal.currency),
        goal: view(goal),
      });
      const answer = answerFor(request, (result: Awaited<ReturnType<typeof contribute>>) => ({ status: 201, body: toView(result) }));
      return reply.status(201).send(toView(await contribute(ctx, requireUser(request).id, request.params.id, request.body, answer)));
    },
  );

  app.get(
    '/api/goals/:id/contributions',
    {
      config,
      schema: {
        tags,
        summary: "A goal's contributions, newest first, with the goal",
        params: idParams,
        querystring: listQuery,
        response: { 200: listSchema(contributionSchema).extend({ goal: goalSchema }) },
      },
    },
    async (request) => {
      const page = await getContributions(ctx, requireUser(request).id, request.params.id, request.query);
      return { items: page.rows.map((row) => toContributionView(row, page.goal.currency)), nextCursor: page.nextCursor, goal: view(page.goal) };
    },
  );
}
