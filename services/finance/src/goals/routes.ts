import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams, listSchema } from '../shared/http.js';
import { contributionBody, contributionSchema, createGoalBody, goalSchema, listQuery, toContributionView, toGoalView, updateGoalBody } from './schemas.js';
import { changeGoal, contribute, createGoal, getContributions, getGoals, goalCalendar, removeGoal, requireGoal } from './service.js';
import type { GoalRow } from './repo.js';
import { answerFor, idempotency } from '../shared/idempotent-route.js';

export function goalRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['goals'];
  const config = { auth: 'user' as const };
  // Progress and deadlines are counted in the user's calendar days.
  const viewer = async (userId: string) => {
    const { now, timeZone } = await goalCalendar(ctx, userId);
    return (row: GoalRow) => toGoalView(row, now, timeZone);
  };

  app.get(
    '/api/goals',
    {
      config,
      schema: { tags, summary: 'Your savings goals with their progress, newest first', querystring: listQuery, response: { 200: listSchema(goalSchema) } },
    },
    async (request) => {
      const userId = requireUser(request).id;
      const page = await getGoals(ctx, userId, request.query);
      return { items: page.rows.map(await viewer(userId)), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/api/goals',
    { config, schema: { tags, summary: 'Set a savings goal', body: createGoalBody, response: { 201: goalSchema } } },
    async (request, reply) => {
      const userId = requireUser(request).id;
      const goal = await createGoal(ctx, userId, request.body);
      return reply.status(201).send((await viewer(userId))(goal));
    },
  );

  app.get(
    '/api/goals/:id',
    { config, schema: { tags, summary: 'One goal with its progress', params: idParams, response: { 200: goalSchema } } },
    async (request) => {
      const userId = requireUser(request).id;
      const goal = await requireGoal(ctx.db, userId, request.params.id);
      return (await viewer(userId))(goal);
    },
  );

  app.patch(
    '/api/goals/:id',
    {
      config,
      schema: { tags, summary: 'Rename a goal, change its target or deadline', params: idParams, body: updateGoalBody, response: { 200: goalSchema } },
    },
    async (request) => {
      const userId = requireUser(request).id;
      const goal = await changeGoal(ctx, userId, request.params.id, request.body);
      return (await viewer(userId))(goal);
    },
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
      const userId = requireUser(request).id;
      const view = await viewer(userId);
      const toView = ({ contribution, goal }: Awaited<ReturnType<typeof contribute>>) => ({
        contribution: toContributionView(contribution, goal.currency),
        goal: view(goal),
      });
      const answer = answerFor(request, (result: Awaited<ReturnType<typeof contribute>>) => ({ status: 201, body: toView(result) }));
      return reply.status(201).send(toView(await contribute(ctx, userId, request.params.id, request.body, answer)));
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
      const userId = requireUser(request).id;
      const page = await getContributions(ctx, userId, request.params.id, request.query);
      const view = await viewer(userId);
      return { items: page.rows.map((row) => toContributionView(row, page.goal.currency)), nextCursor: page.nextCursor, goal: view(page.goal) };
    },
  );
}
