import { sql, type Selectable } from 'kysely';
import { encodeCursor, page, pastCursor, utcDate, utcMidnight, type TimeCursor } from '@expensio/common';
import type { DebtKind, DebtPaymentsTable, DebtsTable, FinanceDb } from '../db.js';

export type DebtRow = Selectable<DebtsTable> & {
  /** Opening balance less the principal of every payment. */
  balance: bigint;
  interest_paid: bigint;
  last_paid_at: string | null;
  payment_count: number;
};

export type PaymentRow = Omit<Selectable<DebtPaymentsTable>, 'user_id'> & { balance_after: bigint };

/** Debts with what is owed computed from their payments in SQL, never a stored counter. */
function withBalance(db: FinanceDb) {
  return db
    .selectFrom('debts as d')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('debt_payments as p')
          .whereRef('p.debt_id', '=', 'd.id')
          .select([
            sql<bigint>`coalesce(sum(p.principal), 0)::bigint`.as('principal'),
            sql<bigint>`coalesce(sum(p.interest), 0)::bigint`.as('interest'),
            sql<string | null>`to_char(max(p.paid_at), 'YYYY-MM-DD')`.as('last'),
            sql<number>`count(*)::int`.as('count'),
          ])
          .as('paid'),
      (join) => join.onTrue(),
    )
    .select(['d.id', 'd.user_id', 'd.name', 'd.kind', 'd.currency', 'd.opening_balance', 'd.minimum_payment', 'd.due_day', 'd.created_at', 'd.updated_at'])
    .select([
      sql<string>`to_char(d.start_date, 'YYYY-MM-DD')`.as('start_date'),
      sql<string>`d.annual_rate::text`.as('annual_rate'),
      sql<bigint>`(d.opening_balance - paid.principal)::bigint`.as('balance'),
      'paid.interest as interest_paid',
      'paid.last as last_paid_at',
      'paid.count as payment_count',
    ]);
}

export async function findDebt(db: FinanceDb, params: { userId: string; id: string }): Promise<DebtRow | undefined> {
  return withBalance(db).where('d.user_id', '=', params.userId).where('d.id', '=', params.id).executeTakeFirst();
}

/** Newest first, paged by (created_at, id). */
export async function listDebts(db: FinanceDb, params: { userId: string; cursor?: TimeCursor | undefined; limit: number }) {
  let query = withBalance(db).where('d.user_id', '=', params.userId);
  if (params.cursor) {
    const { at, id } = params.cursor;
    query = query.where((eb) => pastCursor(eb, ['d.created_at', 'd.id'], [at, id]));
  }
  const rows = await query
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id', 'desc')
    .limit(params.limit + 1)
    .execute();
  return page(rows, params.limit, (last) => encodeCursor({ at: last.created_at, id: last.id }));
}

/** Every debt of the user in one currency (or all), oldest first: the input of a payoff plan. */
export async function allDebts(db: FinanceDb, params: { userId: string; currency?: string | undefined }): Promise<DebtRow[]> {
  let query = withBalance(db).where('d.user_id', '=', params.userId);
  if (params.currency !== undefined) query = query.where('d.currency', '=', params.currency);
  return query.orderBy('d.created_at').orderBy('d.id').execute();
}

/** Serialises payments to one debt: each one's interest starts where the previous one left off. */
export async function lockDebt(db: FinanceDb, params: { userId: string; id: string }): Promise<boolean> {
  const row = await db.selectFrom('debts').select('id').where('user_id', '=', params.userId).where('id', '=', params.id).forUpdate().executeTakeFirst();
  return row !== undefined;
}

export async function insertDebt(
  db: FinanceDb,
  params: {
    id: string;
    userId: string;
    name: string;
    kind: DebtKind;
    currency: string;
    openingBalance: bigint;
    startDate: string;
    annualRate: string;
    minimumPayment: bigint;
    dueDay: number;
    now: Date;
  },
) {
  await db
    .insertInto('debts')
    .values({
      id: params.id,
      user_id: params.userId,
      name: params.name,
      kind: params.kind,
      currency: params.currency,
      opening_balance: params.openingBalance,
      start_date: params.startDate,
      annual_rate: params.annualRate,
      minimum_payment: params.minimumPayment,
      due_day: params.dueDay,
      created_at: params.now,
      updated_at: params.now,
    })
    .execute();
}

export async function updateDebt(
  db: FinanceDb,
  params: {
    userId: string;
    id: string;
    changes: Partial<{
      name: string;
      kind: DebtKind;
      opening_balance: bigint;
      start_date: string;
      annual_rate: string;
      minimum_payment: bigint;
      due_day: number;
    }>;
    now: Date;
  },
) {
  await db
    .updateTable('debts')
    .set({ ...params.changes, updated_at: params.now })
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .execute();
}

export async function deleteDebt(db: FinanceDb, params: { userId: string; id: string }): Promise<number> {
  const result = await db.deleteFrom('debts').where('user_id', '=', params.userId).where('id', '=', params.id).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertPayment(
  db: FinanceDb,
  row: { id: string; debtId: string; userId: string; amount: bigint; interest: bigint; principal: bigint; paidAt: string; now: Date },
) {
  await db
    .insertInto('debt_payments')
    .values({
      id: row.id,
      debt_id: row.debtId,
      user_id: row.userId,
      amount: row.amount,
      interest: row.interest,
      principal: row.principal,
      paid_at: row.paidAt,
      created_at: row.now,
    })
    .execute();
}

/**
 * A debt's payments, newest first, each with the balance it left (a running sum in SQL), paged by
 * (paid_at, id). The running sum needs the debt's every payment, so the cursor filters the sums
 * rather than bounding the scan; a debt has hundreds of payments, not millions.
 */
export async function listPayments(db: FinanceDb, params: { userId: string; debtId: string; cursor?: TimeCursor | undefined; limit: number; ids?: string[] }) {
  const withRunningBalance = db
    .selectFrom('debt_payments as p')
    .innerJoin('debts as d', 'd.id', 'p.debt_id')
    .select(['p.id', 'p.debt_id', 'p.amount', 'p.interest', 'p.principal', 'p.created_at'])
    .select([
      sql<string>`p.paid_at`.as('paid_day'),
      sql<string>`to_char(p.paid_at, 'YYYY-MM-DD')`.as('paid_at'),
      sql<bigint>`(d.opening_balance - sum(p.principal) over (order by p.paid_at, p.id))::bigint`.as('balance_after'),
    ])
    .where('p.user_id', '=', params.userId)
    .where('p.debt_id', '=', params.debtId)
    .where('d.user_id', '=', params.userId);
  let query = db
    .selectFrom(withRunningBalance.as('x'))
    .select(['x.id', 'x.debt_id', 'x.amount', 'x.interest', 'x.principal', 'x.paid_at', 'x.created_at', 'x.balance_after']);
  if (params.ids) query = query.where('x.id', 'in', params.ids);
  if (params.cursor) {
    const { at, id } = params.cursor;
    query = query.where((eb) => pastCursor(eb, ['x.paid_day', 'x.id'], [sql`${utcDate(at)}::date`, id]));
  }
  const rows: PaymentRow[] = await query
    .orderBy('x.paid_day', 'desc')
    .orderBy('x.id', 'desc')
    .limit(params.limit + 1)
    .execute();
  return page(rows, params.limit, (last) => encodeCursor({ at: utcMidnight(last.paid_at), id: last.id }));
}
