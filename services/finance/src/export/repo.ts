import { sql } from 'kysely';
import type { FinanceDb } from '../db.js';

/** A keyset page of one user's rows: ids after `after`, in id order. */
export interface PageParams {
  userId: string;
  after: string | undefined;
  limit: number;
}

const day = (column: string) => sql<string>`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;

export async function accountsPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('accounts')
    .select(['id', 'name', 'type', 'currency', 'opening_balance', 'is_default', 'archived_at', 'created_at', 'updated_at'])
    .where('user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('id', '>', p.after);
  return q.orderBy('id').limit(p.limit).execute();
}

/** The user's own categories and the built-in ones they see, which a restore finds again by slug. */
export async function categoriesPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('categories')
    .select(['id', 'user_id', 'slug', 'name', 'kind', 'created_at'])
    .where((eb) => eb.or([eb('user_id', '=', p.userId), eb('user_id', 'is', null)]));
  if (p.after !== undefined) q = q.where('id', '>', p.after);
  return q.orderBy('id').limit(p.limit).execute();
}

/** Transactions with their mood (at most one each). */
export async function transactionsPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('transactions as t')
    .leftJoin('transaction_moods as m', 'm.transaction_id', 't.id')
    .select([
      't.id',
      't.account_id',
      't.type',
      't.amount',
      't.currency',
      't.category_id',
      't.description',
      't.merchant',
      't.occurred_at',
      't.tags',
      't.transfer_id',
      't.recurring_rule_id',
      't.import_fingerprint',
      't.created_at',
      't.updated_at',
      't.risk_score',
      't.risk_level',
      't.risk_reasons',
      't.risk_flagged',
      't.location_country',
      't.location_city',
      't.review_decision',
      't.review_note',
      't.reviewed_at',
      'm.mood',
      'm.intensity as mood_intensity',
      'm.triggers as mood_triggers',
      'm.note as mood_note',
      'm.created_at as mood_created_at',
      'm.updated_at as mood_updated_at',
    ])
    .select(day('t.occurrence_date').as('occurrence_date'))
    .where('t.user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('t.id', '>', p.after);
  return q.orderBy('t.id').limit(p.limit).execute();
}

export async function budgetsPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('budgets')
    .select(['id', 'name', 'amount', 'currency', 'period', 'category_id', 'rollover', 'rollover_cap', 'created_at', 'updated_at'])
    .select(day('start_date').as('start_date'))
    .where('user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('id', '>', p.after);
  return q.orderBy('id').limit(p.limit).execute();
}

export async function goalsPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('goals')
    .select(['id', 'name', 'target_amount', 'currency', 'completed_at', 'created_at', 'updated_at'])
    .select(day('deadline').as('deadline'))
    .where('user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('id', '>', p.after);
  return q.orderBy('id').limit(p.limit).execute();
}

export async function goalContributionsPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('goal_contributions as c')
    .innerJoin('goals as g', 'g.id', 'c.goal_id')
    .select(['c.id', 'c.goal_id', 'c.amount', 'g.currency', 'c.note', 'c.occurred_at', 'c.created_at'])
    .where('c.user_id', '=', p.userId)
    .where('g.user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('c.id', '>', p.after);
  return q.orderBy('c.id').limit(p.limit).execute();
}

export async function debtsPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('debts')
    .select(['id', 'name', 'kind', 'currency', 'opening_balance', 'annual_rate', 'minimum_payment', 'due_day', 'created_at', 'updated_at'])
    .select(day('start_date').as('start_date'))
    .where('user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('id', '>', p.after);
  return q.orderBy('id').limit(p.limit).execute();
}

export async function debtPaymentsPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('debt_payments as dp')
    .innerJoin('debts as d', 'd.id', 'dp.debt_id')
    .select(['dp.id', 'dp.debt_id', 'dp.amount', 'dp.interest', 'dp.principal', 'd.currency', 'dp.created_at'])
    .select(day('dp.paid_at').as('paid_at'))
    .where('dp.user_id', '=', p.userId)
    .where('d.user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('dp.id', '>', p.after);
  return q.orderBy('dp.id').limit(p.limit).execute();
}

export async function recurringRulesPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('recurring_rules')
    .select([
      'id',
      'account_id',
      'type',
      'amount',
      'currency',
      'category_id',
      'description',
      'merchant',
      'tags',
      'frequency',
      'frequency_interval',
      'occurrence_count',
      'paused',
      'next_index',
      'created_at',
      'updated_at',
    ])
    .select([day('start_date').as('start_date'), day('end_date').as('end_date'), day('next_date').as('next_date')])
    .where('user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('id', '>', p.after);
  return q.orderBy('id').limit(p.limit).execute();
}

/** Pauses carry no user column: they are the user's through their rule. */
export async function recurringPausesPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('recurring_pauses as rp')
    .innerJoin('recurring_rules as r', 'r.id', 'rp.rule_id')
    .select(['rp.id', 'rp.rule_id'])
    .select([day('rp.paused_on').as('paused_on'), day('rp.resumed_on').as('resumed_on')])
    .where('r.user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('rp.id', '>', p.after);
  return q.orderBy('rp.id').limit(p.limit).execute();
}

/** Rules that categorise, with their conditions (JSON read whole) and actions' columns. */
export async function rulesPage(db: FinanceDb, p: PageParams) {
  let q = db
    .selectFrom('rules')
    .select(['id', 'name', 'position', 'conditions', 'category_id', 'merchant', 'add_tags', 'transfer_account_id', 'created_at', 'updated_at'])
    .where('user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('id', '>', p.after);
  return q.orderBy('id').limit(p.limit).execute();
}

/** Saved CSV mappings, one per account: the account's id is the row's key (`id` for paging). */
export async function importMappingsPage(db: FinanceDb, p: PageParams) {
  let q = db.selectFrom('import_mappings').select(['account_id as id', 'mapping', 'created_at', 'updated_at']).where('user_id', '=', p.userId);
  if (p.after !== undefined) q = q.where('account_id', '>', p.after);
  return q.orderBy('account_id').limit(p.limit).execute();
}
