import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../../context.js';
import { analyticsCurrency } from '../currency.js';
import { localToday, resolveRange } from '../range.js';
import { userTimeZone } from '../../users/time-zone.js';
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
      const userId = requireUser(request).id;
      const timeZone = await userTimeZone(ctx.db, userId);
      const today = localToday(ctx.clock, timeZone);
      const range = resolveRange(request.query, today, defaultFrom);
      const currency = await analyticsCurrency(ctx, userId, request.query.currency);
      const answer = await comprehensive(ctx, { userId, currency, range, timeZone, today });
      return toComprehensiveView({ currency, ...range, timeZone, now: ctx.clock.now() }, answer);
    },
  );
}
