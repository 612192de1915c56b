import { buildTestApp, type TestApp } from '@expensio/common/testing';
import { financeService, type FinanceContext } from '../src/index.js';

export interface TestFinance extends TestApp {
  ctx: FinanceContext;
}

/** Finance's real app over this file's own database, trusting tokens signed by a key the test holds. */
export async function createTestFinance(options: { start?: string; defaultCurrency?: string } = {}): Promise<TestFinance> {
  const t = await buildTestApp([financeService], {
    now: options.start ?? '2026-03-15T12:00:00.000Z',
    env: { DEFAULT_CURRENCY: options.defaultCurrency ?? 'USD' },
  });
  return { ...t, ctx: t.context(financeService) };
}
