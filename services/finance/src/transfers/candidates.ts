import { requireAccount } from '../accounts/service.js';
import { ValidationError, isUuid } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { findTransactions, type TransactionRow } from '../transactions/repo.js';
import { transferCandidates, type CandidateCursor } from './repo.js';

function encodeCandidateCursor(cursor: CandidateCursor): string {
  return Buffer.from(JSON.stringify([cursor.gapMs, cursor.expenseId, cursor.incomeId])).toString('base64url');
}

function decodeCandidateCursor(text: string): CandidateCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 3) {
      const [gapMs, expenseId, incomeId] = value as unknown[];
      if (
        typeof gapMs === 'string' &&
        /^\d{1,15}$/.test(gapMs) &&
        typeof expenseId === 'string' &&
        isUuid(expenseId) &&
        typeof incomeId === 'string' &&
        isUuid(incomeId)
      ) {
        return { gapMs, expenseId, incomeId };
      }
    }
  } catch {
    // Falls through to the 400 below.
  }
  throw new ValidationError('cursor is not a cursor from this API', [
    { field: 'cursor', in: 'querystring', message: 'is not a valid cursor', code: 'invalid_cursor' },
  ]);
}

export interface Candidate {
  expense: TransactionRow;
  income: TransactionRow;
  gapMs: number;
}

/** Suggested pairs, closest in time first, a page at a time (the pairing is found in SQL). */
export async function findCandidates(
  ctx: FinanceContext,
  userId: string,
  input: { limit: number; cursor?: string | undefined; accountId?: string | undefined },
): Promise<{ items: Candidate[]; nextCursor: string | null }> {
  const cursor = input.cursor === undefined ? undefined : decodeCandidateCursor(input.cursor);
  // An account that is not the caller's is a 404, as on every route that names one.
  if (input.accountId !== undefined) await requireAccount(ctx.db, userId, input.accountId, 'accountId');
  const pairs = await transferCandidates(ctx.db, { userId, accountId: input.accountId, cursor, limit: input.limit });
  const shown = pairs.slice(0, input.limit);
  const rows = await findTransactions(ctx.db, { userId, ids: [...new Set(shown.flatMap((p) => [p.expense_id, p.income_id]))] });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const items = shown.flatMap((p) => {
    const expense = byId.get(p.expense_id);
    const income = byId.get(p.income_id);
    return expense && income ? [{ expense, income, gapMs: Number(p.gap_ms) }] : [];
  });
  const last = shown.at(-1);
  const nextCursor =
    pairs.length > input.limit && last !== undefined
      ? encodeCandidateCursor({ gapMs: last.gap_ms, expenseId: last.expense_id, incomeId: last.income_id })
      : null;
  return { items, nextCursor };
}
