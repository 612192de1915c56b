import type { HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { cashFlowRoutes } from './cash-flow/routes.js';
import { comprehensiveRoutes } from './comprehensive/routes.js';
import { forecastRoutes } from './forecast/routes.js';
import { incomeStreamRoutes } from './income-streams/routes.js';
import { moodAnalysisRoutes } from './moods/routes.js';
import { subscriptionRoutes } from './subscriptions/routes.js';

/** The /api/analytics routes: each feature's folder registers its own. */
export function analyticsRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['analytics'];
  comprehensiveRoutes(app, ctx, tags);
  cashFlowRoutes(app, ctx, tags);
  forecastRoutes(app, ctx);
  incomeStreamRoutes(app, ctx, tags);
  subscriptionRoutes(app, ctx, tags);
  moodAnalysisRoutes(app, ctx, tags);
}
