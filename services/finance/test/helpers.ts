import { expect } from 'vitest';
import { buildTestApp, call, type TestApp, type TestMethod, type TestUser } from '@expensio/common/testing';
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

/**
 * A call that must succeed: fails the test with the answer's body when the status is not 2xx, and
 * returns the JSON body (nothing for a 204).
 */
export async function ok(t: Pick<TestApp, 'app'>, user: Pick<TestUser, 'headers'>, method: TestMethod, url: string, body?: Record<string, unknown>) {
  const response = await call(t, user, method, url, body);
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response.statusCode === 204 ? undefined : response.json();
}
