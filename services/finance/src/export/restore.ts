import { ConflictError } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { BackupDocument, RestoreReport } from './backup-schema.js';
import { planRestore } from './restore-plan.js';
import { learn } from '../risk/repo.js';
import { hourIn } from '../risk/score.js';
import { userTimeZone } from '../users/time-zone.js';
import { builtInCategories, deleteEmptyDefaultAccount, hasRecordedData, insertPlan, lockUser } from './restore-repo.js';

/**
 * Restores an export into a user who has recorded nothing yet: the automatic default account
 * gives way to the document's accounts, every id is new, and one transaction writes all of it or
 * none. Publishes no per-row events: the rows are history, not news (ADR 0013); nor are they
 * scored again: each keeps the score and review it was exported with, and every restored expense
 * but those reviewed as fraud joins the fraud score's baseline.
 */
export async function restoreBackup(ctx: FinanceContext, userId: string, doc: BackupDocument): Promise<RestoreReport> {
  const plan = planRestore(doc, { userId, builtInCategories: await builtInCategories(ctx.db) });
  await ctx.db.transaction().execute(async (trx) => {
    await lockUser(trx, userId);
    if (await hasRecordedData(trx, userId)) {
      throw new ConflictError('A backup restores only into an account that has recorded nothing yet; this one has data', 'account_not_empty');
    }
    await deleteEmptyDefaultAccount(trx, userId);
    await insertPlan(trx, plan);
    // The restored spending is the user's history: the fraud score measures against it from now on.
    const timeZone = await userTimeZone(trx, userId);
    await learn(
      trx,
      userId,
      plan.transactions
        // A charge its owner called fraud never counts as their usual spending.
        .filter((t) => t.type === 'expense' && t.review_decision !== 'fraud')
        .map((t) => ({
          currency: t.currency,
          categoryId: t.category_id ?? null,
          amount: t.amount,
          payee: t.merchant ?? t.description ?? null,
          location: null,
          occurredAt: t.occurred_at,
          hour: hourIn(t.occurred_at, timeZone),
        })),
    );
  });
  return {
    accounts: plan.accounts.length,
    categories: plan.categories.length,
    transactions: plan.transactions.length,
    moods: plan.moods.length,
    budgets: plan.budgets.length,
    goals: plan.goals.length,
    goalContributions: plan.goalContributions.length,
    debts: plan.debts.length,
    debtPayments: plan.debtPayments.length,
    recurringRules: plan.recurringRules.length,
    recurringPauses: plan.recurringPauses.length,
    rules: plan.rules.length,
    importMappings: plan.importMappings.length,
  };
}
