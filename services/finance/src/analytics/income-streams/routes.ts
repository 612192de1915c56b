import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../../context.js';
import { analyticsScope } from '../scope.js';
import { incomeStreamsQuery, incomeStreamsSchema } from './schemas.js';
import { defaultFrom, incomeStreamAnalysis } from './service.js';

export function incomeStreamRoutes(app: HttpApp, ctx: FinanceContext, tags: string[]) {
  app.get(
    '/api/analytics/income-streams',
    {
      config: { auth: 'user' as const },
      schema: {
        tags,
        summary: 'Your income per payer: regularity, trend and the next payment expected; how diversified and how reliable it is',
        description:
          'Default range: the last 12 months. One stream per payer (the merchant, else the description, else the category). Transfers are never income.',
        querystring: incomeStreamsQuery,
        response: { 200: incomeStreamsSchema },
      },
    },
    async (request) => {
      return incomeStreamAnalysis(ctx, await analyticsScope(ctx, requireUser(request).id, request.query, defaultFrom));
    },
  );
}
