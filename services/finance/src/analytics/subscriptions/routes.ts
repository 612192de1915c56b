import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../../context.js';
import { ruleSchema, toRuleView } from '../../recurring/schemas.js';
import { analyticsCurrency } from '../currency.js';
import { localToday } from '../range.js';
import { userTimeZone } from '../../users/time-zone.js';
import { subscriptionParams, subscriptionsQuery, subscriptionsSchema } from './schemas.js';
import { subscriptionsAnswer, trackSubscription } from './service.js';

export function subscriptionRoutes(app: HttpApp, ctx: FinanceContext, tags: string[]) {
  const config = { auth: 'user' as const };

  app.get(
    '/api/analytics/subscriptions',
    {
      config,
      schema: {
        tags,
        summary: 'Charges that repeat from the same merchant at a regular interval, found in your expenses whether or not a recurring rule exists',
        description:
          'Weekly (±1 day), monthly (±3 days), quarterly (±5 days) or yearly (±7 days); at least 3 charges (2 for yearly), every gap fitting the interval. The whole expense history is read, in SQL.',
        querystring: subscriptionsQuery,
        response: { 200: subscriptionsSchema },
      },
    },
    async (request) => {
      const userId = requireUser(request).id;
      const timeZone = await userTimeZone(ctx.db, userId);
      const currency = await analyticsCurrency(ctx, userId, request.query.currency);
      return subscriptionsAnswer(ctx, { userId, currency, timeZone, today: localToday(ctx.clock, timeZone) });
    },
  );

  app.post(
    '/api/analytics/subscriptions/:id/track',
    {
      config,
      schema: {
        tags,
        summary: 'Create the recurring rule for a detected subscription (409 when one exists)',
        description:
          "The rule takes the interval, the latest amount and merchant, and the latest charge's category and account. It starts at nextExpected, or at the first date of the cadence from today on when that has passed. At most one rule tracks a subscription, also when several requests race: the others answer 409 subscription_tracked. The rule keeps tracking it when renamed; deleting the rule lets it be tracked again.",
        params: subscriptionParams,
        response: { 201: ruleSchema },
      },
    },
    async (request, reply) => {
      const userId = requireUser(request).id;
      const timeZone = await userTimeZone(ctx.db, userId);
      const rule = await trackSubscription(ctx, { userId, id: request.params.id, timeZone, today: localToday(ctx.clock, timeZone) });
      return reply.status(201).send(toRuleView(rule));
    },
  );
}
