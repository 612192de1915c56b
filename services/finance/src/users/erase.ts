import type { Transaction } from 'kysely';
import type { FinanceTables } from '../db.js';

/**
 * Removes every row finance holds for a user, children before parents so no foreign key stands in
 * the way. Runs in the caller's transaction: all of it or none.
 */
export async function eraseUser(trx: Transaction<FinanceTables>, userId: string): Promise<void> {
  // Moods, pauses, contributions, payments and threshold records go with their parents (on delete cascade).
  await trx.deleteFrom('transactions').where('user_id', '=', userId).execute();
  await trx.deleteFrom('rules').where('user_id', '=', userId).execute();
  await trx.deleteFrom('recurring_rules').where('user_id', '=', userId).execute();
  await trx.deleteFrom('budgets').where('user_id', '=', userId).execute();
  await trx.deleteFrom('goals').where('user_id', '=', userId).execute();
  await trx.deleteFrom('debts').where('user_id', '=', userId).execute();
  await trx.deleteFrom('idempotency_keys').where('user_id', '=', userId).execute();
  await trx.deleteFrom('accounts').where('user_id', '=', userId).execute();
  await trx.deleteFrom('categories').where('user_id', '=', userId).execute();
  await trx.deleteFrom('user_time_zones').where('user_id', '=', userId).execute();
  await trx.deleteFrom('risk_amounts').where('user_id', '=', userId).execute();
  await trx.deleteFrom('risk_merchants').where('user_id', '=', userId).execute();
  await trx.deleteFrom('risk_locations').where('user_id', '=', userId).execute();
  await trx.deleteFrom('risk_profiles').where('user_id', '=', userId).execute();
  // Delivered events carry descriptions and merchants; pending ones still go out, then age away.
  await trx.deleteFrom('outbox').where('user_id', '=', userId).where('published_at', 'is not', null).execute();
}
