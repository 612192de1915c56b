import { sql } from 'kysely';
import type { FinanceDb } from '../db.js';
import type { RestorePlan } from './restore-plan.js';

const CHUNK = 500;

/** Slug → id of the built-in categories every user of this server sees. */
export async function builtInCategories(db: FinanceDb): Promise<Map<string, string>> {
  const rows = await db.selectFrom('categories').select(['id', 'slug']).where('user_id', 'is', null).execute();
  return new Map(rows.map((r) => [r.slug, r.id]));
}

/** Serialises restores (and the default account's creation check) of one user inside a transaction. */
export async function lockUser(db: FinanceDb, userId: string) {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`finance.restore:${userId}`}, 0))`.execute(db);
}

/** Whether the user has recorded anything beyond the default account finance makes on first use. */
export async function hasRecordedData(db: FinanceDb, userId: string): Promise<boolean> {
  const owned = (table: 'transactions' | 'budgets' | 'goals' | 'debts' | 'recurring_rules' | 'categories' | 'rules' | 'import_mappings') =>
    db
      .selectFrom(table)
      .select(sql<number>`1`.as('one'))
      .where('user_id', '=', userId)
      .limit(1);
  const row = await db
    .selectNoFrom((eb) => [
      eb
        .or([
          eb.exists(owned('transactions')),
          eb.exists(owned('budgets')),
          eb.exists(owned('goals')),
          eb.exists(owned('debts')),
          eb.exists(owned('recurring_rules')),
          eb.exists(owned('categories')),
          eb.exists(owned('rules')),
          // A mapping saved on the default account is something recorded, which its deletion would take.
          eb.exists(owned('import_mappings')),
          eb.exists(
            db
              .selectFrom('accounts')
              .select(sql<number>`1`.as('one'))
              .where('user_id', '=', userId)
              .where('is_default', '=', false),
          ),
        ])
        .as('recorded'),
    ])
    .executeTakeFirstOrThrow();
  return row.recorded === true;
}

export async function deleteEmptyDefaultAccount(db: FinanceDb, userId: string) {
  await db.deleteFrom('accounts').where('user_id', '=', userId).where('is_default', '=', true).execute();
}

async function insertChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/** Writes the plan in dependency order; the caller's transaction makes it all or nothing. */
export async function insertPlan(db: FinanceDb, plan: RestorePlan) {
  await insertChunks(plan.accounts, (c) => db.insertInto('accounts').values(c).execute());
  await insertChunks(plan.categories, (c) => db.insertInto('categories').values(c).execute());
  await insertChunks(plan.recurringRules, (c) => db.insertInto('recurring_rules').values(c).execute());
  await insertChunks(plan.recurringPauses, (c) => db.insertInto('recurring_pauses').values(c).execute());
  await insertChunks(plan.transactions, (c) => db.insertInto('transactions').values(c).execute());
  await insertChunks(plan.moods, (c) => db.insertInto('transaction_moods').values(c).execute());
  await insertChunks(plan.budgets, (c) => db.insertInto('budgets').values(c).execute());
  await insertChunks(plan.goals, (c) => db.insertInto('goals').values(c).execute());
  await insertChunks(plan.goalContributions, (c) => db.insertInto('goal_contributions').values(c).execute());
  await insertChunks(plan.debts, (c) => db.insertInto('debts').values(c).execute());
  await insertChunks(plan.debtPayments, (c) => db.insertInto('debt_payments').values(c).execute());
  await insertChunks(plan.rules, (c) => db.insertInto('rules').values(c).execute());
  await insertChunks(plan.importMappings, (c) => db.insertInto('import_mappings').values(c).execute());
  // The same fingerprint a bank import computes (imports/repo.ts), now over the new account's id,
  // so importing the same file again still finds its rows.
  await insertChunks(plan.importedTransactionIds, (ids) =>
    db
      .updateTable('transactions')
      .set({
        import_fingerprint: sql<string>`md5(account_id::text || '|' || to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') || '|' || type || '|' || amount::text || '|' || coalesce(description, ''))`,
      })
      .where('id', 'in', ids)
      .execute(),
  );
}
