import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams, listSchema } from '../shared/http.js';
import {
  createMoodBody,
  insightsQuery,
  insightsSchema,
  listMoodsQuery,
  moodInput,
  moodSchema,
  toMoodView,
  transactionParams,
  updateMoodBody,
} from './schemas.js';
import { addMood, changeMood, insights, pageMoods, removeMood, requireMood, setMood } from './service.js';

const MOODS = '/api/transaction-moods';

export function moodRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['moods'];
  const config = { auth: 'user' as const };

  app.get(
    MOODS,
    { config, schema: { tags, summary: 'Your transaction moods, newest first', querystring: listMoodsQuery, response: { 200: listSchema(moodSchema) } } },
    async (request) => {
      const page = await pageMoods(ctx, requireUser(request).id, request.query);
      return { items: page.rows.map(toMoodView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    `${MOODS}/insights`,
    {
      config,
      schema: {
        tags,
        summary: 'Spending per mood: count, total and average of the expenses carrying each mood, per currency',
        querystring: insightsQuery,
        response: { 200: insightsSchema },
      },
    },
    async (request) => insights(ctx, requireUser(request).id, request.query),
  );

  app.post(
    MOODS,
    {
      config,
      schema: {
        tags,
        summary: 'Attach a mood to one of your transactions (one per transaction: a second is 409)',
        body: createMoodBody,
        response: { 201: moodSchema },
      },
    },
    async (request, reply) => {
      const { transactionId, ...fields } = request.body;
      return reply.status(201).send(toMoodView(await addMood(ctx, requireUser(request).id, transactionId, fields)));
    },
  );

  app.put(
    `${MOODS}/by-transaction/:transactionId`,
    {
      config,
      schema: {
        tags,
        summary: 'Set the mood of a transaction: creates it (201) or replaces every field of it (200)',
        params: transactionParams,
        body: moodInput,
        response: { 200: moodSchema, 201: moodSchema },
      },
    },
    async (request, reply) => {
      const { row, created } = await setMood(ctx, requireUser(request).id, request.params.transactionId, request.body);
      return reply.status(created ? 201 : 200).send(toMoodView(row));
    },
  );

  app.get(`${MOODS}/:id`, { config, schema: { tags, summary: 'One mood', params: idParams, response: { 200: moodSchema } } }, async (request) => {
    return toMoodView(await requireMood(ctx.db, requireUser(request).id, request.params.id));
  });

  app.patch(
    `${MOODS}/:id`,
    { config, schema: { tags, summary: 'Change a mood', params: idParams, body: updateMoodBody, response: { 200: moodSchema } } },
    async (request) => toMoodView(await changeMood(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.delete(
    `${MOODS}/:id`,
    { config, schema: { tags, summary: 'Remove a mood (the transaction stays)', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeMood(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
