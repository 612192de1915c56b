import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../../context.js';
import { analyticsScope } from '../scope.js';
import { moodAnalysisQuery, moodAnalysisSchema } from './schemas.js';
import { defaultFrom, moodAnalysis } from './service.js';

export function moodAnalysisRoutes(app: HttpApp, ctx: FinanceContext, tags: string[]) {
  app.get(
    '/api/analytics/moods',
    {
      config: { auth: 'user' as const },
      schema: {
        tags,
        summary:
          'How mood goes with spending: per mood, mood and category, trigger; the negative share and the intensity-amount correlation, each with its sample size',
        description: 'Default range: the last 90 days. Expenses in `currency` that carry a mood.',
        querystring: moodAnalysisQuery,
        response: { 200: moodAnalysisSchema },
      },
    },
    async (request) => {
      return moodAnalysis(ctx, await analyticsScope(ctx, requireUser(request).id, request.query, defaultFrom));
    },
  );
}
