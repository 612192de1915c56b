import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../../context.js';
import { forecastQuery, forecastSchema } from './schemas.js';
import { spendingForecast } from './service.js';
import { analyticsSettings } from '../settings.js';

export function forecastRoutes(app: HttpApp, ctx: FinanceContext) {
  app.get(
    '/api/analytics/forecast',
    {
      config: {
        auth: 'user' as const,
        problems: {
          404: 'The category named by `category` is not one of yours or a default one (`category_not_found`)',
          422: 'Too little history to fit a model (`insufficient_history`); `detail` says how much is needed',
        },
      },
      schema: {
        tags: ['analytics'],
        summary: 'Predicted spending per day, week or month, with an 80% interval, the model chosen by backtest, and scheduled recurring expenses',
        description:
          'The model is fitted on complete past periods of one-off expenses (recurring postings and transfers left out) and chosen among seasonal-naive and exponential-smoothing candidates by a rolling-origin backtest (MASE). 422 insufficient_history when the history is shorter than two seasonal cycles or 8 periods.',
        querystring: forecastQuery,
        response: { 200: forecastSchema },
      },
    },
    async (request) => {
      const userId = requireUser(request).id;
      const { timeZone, defaultCurrency } = await analyticsSettings(ctx, userId);
      return spendingForecast(ctx, userId, request.query, timeZone, timeZone, defaultCurrency);
    },
  );
}
