import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../../context.js';
import { localToday, resolveRange } from '../range.js';
import { analyticsSettings } from '../settings.js';
import { defaultFrom } from './buckets.js';
import { cashFlowQuery, cashFlowSchema } from './schemas.js';
import { cashFlowAnalysis, cashFlowCurrency } from './service.js';

export function cashFlowRoutes(app: HttpApp, ctx: FinanceContext, tags: string[]) {
  app.get(
    '/api/analytics/cash-flow',
    {
      config: { auth: 'user' as const, problems: { 404: 'The account named by `accountId` is not one of yours (`account_not_found`)' } },
      schema: {
        tags,
        summary: 'Money in and out per day, ISO week or month, with the balance at the end of each',
        description:
          'Every bucket of the range in order, empty ones as zeros; a range that starts or ends inside a bucket cuts it. Default range: the last 30 days, 12 weeks or 12 months. Without accountId a transfer between two of your accounts is neither inflow nor outflow. More than 1,000 buckets is a 400.',
        querystring: cashFlowQuery,
        response: { 200: cashFlowSchema },
      },
    },
    async (request) => {
      const userId = requireUser(request).id;
      const { granularity, accountId } = request.query;
      const settings = await analyticsSettings(ctx, userId);
      const { timeZone } = settings;
      const range = resolveRange(request.query, localToday(ctx.clock, timeZone), defaultFrom(granularity));
      const currency = await cashFlowCurrency(ctx, userId, request.query, settings);
      return cashFlowAnalysis(ctx, { userId, currency, accountId, range, timeZone, granularity, userTimeZone: timeZone });
    },
  );
}
