import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams, listSchema } from '../shared/http.js';
import { createRuleBody, listRulesQuery, ruleSchema, toRuleView, upcomingQuery, upcomingSchema, updateRuleBody } from './schemas.js';
import { createRuleAndPostDue } from './create.js';
import { changeRule, pageRules, removeRule, requireRule, upcoming } from './service.js';

const RULES = '/api/recurring-transactions';

export function recurringRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['recurring transactions'];
  const config = { auth: 'user' as const };

  app.get(
    RULES,
    { config, schema: { tags, summary: 'Your recurring rules, newest first', querystring: listRulesQuery, response: { 200: listSchema(ruleSchema) } } },
    async (request) => {
      const page = await pageRules(ctx, requireUser(request).id, request.query);
      return { items: page.rows.map(toRuleView), nextCursor: page.nextCursor };
    },
  );

  app.post(
    RULES,
    {
      config,
      schema: {
        tags,
        summary: 'Create a recurring rule',
        description:
          'The template transaction’s fields sit flat beside the schedule. Each occurrence is posted once as a real transaction dated at 00:00 UTC of its date; a start date in the past posts the occurrences since then, before the answer (an occurrence already in the account, such as an imported charge, is linked instead of posted twice).',
        body: createRuleBody,
        response: { 201: ruleSchema },
      },
    },
    async (request, reply) => reply.status(201).send(toRuleView(await createRuleAndPostDue(ctx, requireUser(request).id, request.body))),
  );

  app.get(`${RULES}/:id`, { config, schema: { tags, summary: 'One recurring rule', params: idParams, response: { 200: ruleSchema } } }, async (request) => {
    return toRuleView(await requireRule(ctx.db, requireUser(request).id, request.params.id));
  });

  app.patch(
    `${RULES}/:id`,
    {
      config,
      schema: {
        tags,
        summary: 'Change a recurring rule',
        description:
          'Template changes apply to future postings. A schedule change applies from today (nothing before today is back-posted under it). `paused` pauses or resumes, as the pause and resume routes do.',
        params: idParams,
        body: updateRuleBody,
        response: { 200: ruleSchema },
      },
    },
    async (request) => toRuleView(await changeRule(ctx, requireUser(request).id, request.params.id, request.body)),
  );

  app.delete(
    `${RULES}/:id`,
    { config, schema: { tags, summary: 'Delete a recurring rule (the transactions it posted stay)', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeRule(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${RULES}/:id/pause`,
    { config, schema: { tags, summary: 'Pause a rule: nothing posts until it is resumed', params: idParams, response: { 200: ruleSchema } } },
    async (request) => {
      return toRuleView(await changeRule(ctx, requireUser(request).id, request.params.id, { paused: true }));
    },
  );

  app.post(
    `${RULES}/:id/resume`,
    {
      config,
      schema: {
        tags,
        summary: 'Resume a paused rule',
        description: 'Does not back-post: occurrences dated after the day of pausing and before the day of resuming are skipped for good.',
        params: idParams,
        response: { 200: ruleSchema },
      },
    },
    async (request) => toRuleView(await changeRule(ctx, requireUser(request).id, request.params.id, { paused: false })),
  );

  app.get(
    `${RULES}/:id/upcoming`,
    {
      config,
      schema: { tags, summary: 'The next occurrences the rule will post', params: idParams, querystring: upcomingQuery, response: { 200: upcomingSchema } },
    },
    async (request) => upcoming(ctx, requireUser(request).id, request.params.id, request.query.limit),
  );
}
