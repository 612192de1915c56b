import { ConflictError, NotFoundError, decodeCursor, newId } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { FinanceDb, Mood, MoodTrigger } from '../db.js';
import { formatAmount } from '../shared/money.js';
import { requireTransaction } from '../transactions/service.js';
import { instantRangeForUser } from '../users/time-zone.js';
import { deleteMood, findMood, findMoodOfTransaction, insertMood, listMoods, moodInsights, updateMood, type MoodRow } from './repo.js';

export interface MoodFields {
  mood: Mood;
  intensity: number;
  triggers: MoodTrigger[];
  note?: string | null | undefined;
}

export async function requireMood(db: FinanceDb, userId: string, id: string): Promise<MoodRow> {
  const row = await findMood(db, { userId, id });
  if (!row) throw new NotFoundError(`No mood ${id}`, 'mood_not_found');
  return row;
}

/**
 * Attaches a mood to one of the user's transactions (another user's is 404), inside the caller's
 * database transaction. A transaction has at most one mood: a second is 409, even when two arrive
 * at once; PUT /by-transaction/:transactionId replaces instead.
 */
export async function attachMood(ctx: FinanceContext, db: FinanceDb, userId: string, transactionId: string, input: MoodFields): Promise<MoodRow> {
  await requireTransaction(db, userId, transactionId);
  const now = ctx.clock.now();
  const id = await insertMood(db, {
    id: newId(),
    user_id: userId,
    transaction_id: transactionId,
    mood: input.mood,
    intensity: input.intensity,
    triggers: [...new Set(input.triggers)],
    note: input.note ?? null,
    created_at: now,
    updated_at: now,
  });
  if (id === undefined) throw new ConflictError('This transaction already has a mood: change it with PATCH or PUT', 'mood_exists');
  return requireMood(db, userId, id);
}

/** POST: a new mood for a transaction that has none. */
export async function addMood(ctx: FinanceContext, userId: string, transactionId: string, input: MoodFields): Promise<MoodRow> {
  return ctx.db.transaction().execute((trx) => attachMood(ctx, trx, userId, transactionId, input));
}

/** Creates the transaction's mood or replaces every field of it. */
export async function setMood(ctx: FinanceContext, userId: string, transactionId: string, input: MoodFields): Promise<{ row: MoodRow; created: boolean }> {
  return ctx.db.transaction().execute(async (trx) => {
    const existing = await findMoodOfTransaction(trx, { userId, transactionId });
    if (existing === undefined) {
      try {
        return { row: await attachMood(ctx, trx, userId, transactionId, input), created: true };
      } catch (error) {
        // Another request attached one meanwhile: replace it like any other.
        if (!(error instanceof ConflictError && error.code === 'mood_exists')) throw error;
      }
    }
    const current = existing ?? (await findMoodOfTransaction(trx, { userId, transactionId }));
    if (current === undefined) throw new ConflictError('The mood changed while it was being set; try again', 'mood_changed');
    const row = await updateMood(trx, {
      userId,
      id: current.id,
      now: ctx.clock.now(),
      changes: { mood: input.mood, intensity: input.intensity, triggers: [...new Set(input.triggers)], note: input.note ?? null },
    });
    if (!row) throw new ConflictError('The mood changed while it was being set; try again', 'mood_changed');
    return { row, created: false };
  });
}

export async function changeMood(ctx: FinanceContext, userId: string, id: string, input: Partial<MoodFields>): Promise<MoodRow> {
  const row = await updateMood(ctx.db, {
    userId,
    id,
    now: ctx.clock.now(),
    changes: {
      ...(input.mood !== undefined && { mood: input.mood }),
      ...(input.intensity !== undefined && { intensity: input.intensity }),
      ...(input.triggers !== undefined && { triggers: [...new Set(input.triggers)] }),
      ...(input.note !== undefined && { note: input.note }),
    },
  });
  if (!row) throw new NotFoundError(`No mood ${id}`, 'mood_not_found');
  return row;
}

export async function removeMood(ctx: FinanceContext, userId: string, id: string): Promise<void> {
  if ((await deleteMood(ctx.db, { userId, id })) === 0) throw new NotFoundError(`No mood ${id}`, 'mood_not_found');
}

export async function pageMoods(
  ctx: FinanceContext,
  userId: string,
  input: { limit: number; cursor?: string | undefined; mood?: Mood | undefined; transactionId?: string | undefined },
) {
  return listMoods(ctx.db, {
    userId,
    limit: input.limit,
    mood: input.mood,
    transactionId: input.transactionId,
    cursor: input.cursor === undefined ? undefined : decodeCursor(input.cursor),
  });
}

export async function insights(
  ctx: FinanceContext,
  userId: string,
  input: { from?: string | undefined; to?: string | undefined; currency?: string | undefined },
) {
  const { from, to } = await instantRangeForUser(ctx.db, userId, input);
  const rows = await moodInsights(ctx.db, {
    userId,
    from,
    to,
    currency: input.currency,
  });
  return {
    items: rows.map((r) => ({
      mood: r.mood,
      currency: r.currency,
      count: r.count,
      total: formatAmount(r.total, r.currency),
      average: formatAmount(r.average, r.currency),
    })),
  };
}
