import { sql, type Selectable } from 'kysely';
import { encodeCursor, page, pastCursor, type TimeCursor } from '@expensio/common';
import type { FinanceDb, GoalContributionsTable, GoalEventsTable, GoalsTable } from '../db.js';

export type GoalRow = Selectable<GoalsTable> & { saved: bigint; first_contribution_at: Date | null };
export type ContributionRow = Selectable<GoalContributionsTable>;

/** Goals with what is saved summed from their contributions in SQL, never a stored counter. */
function withSaved(db: FinanceDb) {
  return db
    .selectFrom('goals as g')
    .select(['g.id', 'g.user_id', 'g.name', 'g.target_amount', 'g.currency', 'g.completed_at', 'g.created_at', 'g.updated_at'])
    .select((eb) => {
      const sum = eb
        .selectFrom('goal_contributions as c')
        .select(sql<bigint>`sum(c.amount)`.as('sum'))
        .whereRef('c.goal_id', '=', 'g.id');
      const first = eb
        .selectFrom('goal_contributions as c')
        .select((e) => e.fn.min('c.occurred_at').as('first'))
        .whereRef('c.goal_id', '=', 'g.id');
      return [
        sql<string | null>`to_char(g.deadline, 'YYYY-MM-DD')`.as('deadline'),
        sql<bigint>`coalesce((${sum}), 0)::bigint`.as('saved'),
        first.as('first_contribution_at'),
      ];
    })
    .$narrowType<{ first_contribution_at: Date | null }>();
}

export async function findGoal(db: FinanceDb, params: { userId: string; id: string }): Promise<GoalRow | undefined> {
  return withSaved(db).where('g.user_id', '=', params.userId).where('g.id', '=', params.id).executeTakeFirst();
}

/** Newest first, paged by (created_at, id). */
export async function listGoals(db: FinanceDb, params: { userId: string; cursor?: TimeCursor | undefined; limit: number }) {
  let query = withSaved(db).where('g.user_id', '=', params.userId);
  if (params.cursor) {
    const { at, id } = params.cursor;
    query = query.where((eb) => pastCursor(eb, ['g.created_at', 'g.id'], [at, id]));
  }
  const rows = await query
    .orderBy('g.created_at', 'desc')
    .orderBy('g.id', 'desc')
    .limit(params.limit + 1)
    .execute();
  return page(rows, params.limit, (last) => encodeCursor({ at: last.created_at, id: last.id }));
}

/** Every goal of the user in one currency, oldest first (for summaries that show them all). */
export async function allGoals(db: FinanceDb, params: { userId: string; currency: string }): Promise<GoalRow[]> {
  return withSaved(db).where('g.user_id', '=', params.userId).where('g.currency', '=', params.currency).orderBy('g.created_at').orderBy('g.id').execute();
}

/**
 * Locks the goal row until the transaction ends: contributions to one goal run one after another,
 * so "never below zero" and "completed once" are decided on a sum nobody else is changing.
 */
export async function lockGoal(db: FinanceDb, params: { userId: string; id: string }) {
  return db
    .selectFrom('goals')
    .select(['id', 'name', 'target_amount', 'currency', 'completed_at'])
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .forUpdate()
    .executeTakeFirst();
}

export async function savedOn(db: FinanceDb, params: { userId: string; goalId: string }): Promise<bigint> {
  const row = await db
    .selectFrom('goal_contributions')
    .select(sql<bigint>`coalesce(sum(amount), 0)::bigint`.as('saved'))
    .where('user_id', '=', params.userId)
    .where('goal_id', '=', params.goalId)
    .executeTakeFirstOrThrow();
  return row.saved;
}

export async function insertGoal(
  db: FinanceDb,
  params: { id: string; userId: string; name: string; targetAmount: bigint; currency: string; deadline: string | null; now: Date },
) {
  await db
    .insertInto('goals')
    .values({
      id: params.id,
      user_id: params.userId,
      name: params.name,
      target_amount: params.targetAmount,
      currency: params.currency,
      deadline: params.deadline,
      completed_at: null,
      created_at: params.now,
      updated_at: params.now,
    })
    .execute();
}

export async function updateGoal(
  db: FinanceDb,
  params: { userId: string; id: string; changes: Partial<{ name: string; target_amount: bigint; deadline: string | null }>; now: Date },
) {
  await db
    .updateTable('goals')
    .set({ ...params.changes, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .execute();
}

/** True only for the one call that records the completion; every later one finds it set. */
export async function markCompleted(db: FinanceDb, params: { userId: string; id: string; now: Date }): Promise<boolean> {
  const row = await db
    .updateTable('goals')
    .set({ completed_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .where('completed_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteGoal(db: FinanceDb, params: { userId: string; id: string }): Promise<number> {
  const result = await db.deleteFrom('goals').where('user_id', '=', params.userId).where('id', '=', params.id).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertContribution(db: FinanceDb, row: Omit<ContributionRow, 'created_at'>, now: Date): Promise<ContributionRow> {
  return db
    .insertInto('goal_contributions')
    .values({ ...row, created_at: now })
    .returning(['id', 'goal_id', 'user_id', 'amount', 'note', 'occurred_at', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** Newest first, paged by (occurred_at, id). */
export async function listContributions(db: FinanceDb, params: { userId: string; goalId: string; cursor?: TimeCursor | undefined; limit: number }) {
  let query = db
    .selectFrom('goal_contributions')
    .select(['id', 'goal_id', 'user_id', 'amount', 'note', 'occurred_at', 'created_at'])
    .where('user_id', '=', params.userId)
    .where('goal_id', '=', params.goalId);
  if (params.cursor) {
    const { at, id } = params.cursor;
    query = query.where((eb) => pastCursor(eb, ['occurred_at', 'id'], [at, id]));
  }
  const rows = await query
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(params.limit + 1)
    .execute();
  return page(rows, params.limit, (last) => encodeCursor({ at: last.occurred_at, id: last.id }));
}

export async function insertGoalEvents(db: FinanceDb, rows: Selectable<GoalEventsTable>[]) {
  if (rows.length === 0) return;
  await db.insertInto('goal_events').values(rows).execute();
}
