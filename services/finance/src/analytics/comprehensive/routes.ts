import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../../context.js';
import { analyticsScope } from '../scope.js';
import { comprehensiveQuery, comprehensiveSchema, toComprehensiveView } from './schemas.js';
import { comprehensive, defaultFrom } from './service.js';

export function comprehensiveRoutes(app: HttpApp, ctx: FinanceContext, tags: string[]) {
  app.get(
    '/api/analytics/comprehensive',
    {
      config: { auth: 'user' as const },
      schema: {
        tags,
        summary:
          'Income, spending, savings rate, categories against the previous period, merchants, largest expenses, weekdays and hours; budgets, goals and debts today',
        description:
          'Default range: the 30 days ending today. Income and expenses in `currency` only (transfers are neither); budgets, goals and debts are those in `currency`, as they stand today whatever the range.',
        querystring: comprehensiveQuery,
        response: { 200: comprehensiveSchema },
      },
    },
    async (request) => {
      const scope = await analyticsScope(ctx, requireUser(request).id, request.query, defaultFrom);
      const answer = await comprehensive(ctx, scope);
      return toComprehensiveView({ currency: scope.currency, ...scope.range, timeZone: scope.timeZone, now: ctx.clock.now() }, answer);
    },
  );
}
