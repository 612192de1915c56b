import { sql, type CompiledQuery, type RawBuilder } from 'kysely';
import { PreparedStatement, Slot, slotOf } from '../shared/prepared.js';
import type { Database } from '@expensio/common';
import { FINANCE_SCHEMA, type FinanceDb } from '../db.js';
import { learnParts, learnSlots, type LearnRow } from '../risk/repo.js';
import { spendingQuery, type BudgetRow, type PeriodSpending } from '../budgets/repo.js';

/** Every value the writer sends, named; a shape uses some of them. */
export interface WriteValues {
  id: string;
  userId: string;
  accountId: string;
  type: string;
  amount: bigint;
  currency: string;
  categoryId: string | null;
  description: string | null;
  merchant: string | null;
  occurredAt: Date;
  tags: string[];
  /** Set when a rule made the new row one leg of a transfer (transfers/by-rule.ts). */
  transferId: string | null;
  riskScore: number;
  riskLevel: string;
  /** JSON text of the reasons. */
  riskReasons: string;
  riskFlagged: boolean;
  locationCountry: string | null;
  locationCity: string | null;
  now: Date;
  ruleId: string | null;
  occurrenceDate: string | null;
  moodId: string | null;
  mood: string | null;
  intensity: number | null;
  triggers: string[] | null;
  note: string | null;
  scope: string | null;
  key: string | null;
  answer: string | null;
  /** For an expense with budgets: the user's zone and the day ('YYYY-MM-DD') through which spending is summed. */
  timeZone: string | null;
  through: string | null;
  /** JSON text: the outbox rows of the events the write publishes (EventBus.stage). */
  events: string;
  /** What an ordinary expense teaches the fraud baseline (risk/repo.ts learnValues); null without a lesson. */
  learnAmounts: string | null;
  learnPayees: string | null;
  learnPlaces: string | null;
  learnExpenses: number | null;
  learnLocated: number | null;
  learnFirstAt: Date | null;
  learnHours: string | null;
}

/** Which parts a create has; each combination is one statement, compiled once and prepared. */
export interface WriteShape {
  mood: boolean;
  /**
   * An expense of a user with budgets: those it counts towards are returned with their spending
   * per period, locked and their spending version bumped.
   */
  budgets: boolean;
  recurring: boolean;
  /** The request holds an Idempotency-Key: its answer is stored by the same statement. */
  answer: boolean;
  /** An ordinary expense: the fraud baseline learns it in the same statement. */
  learn: boolean;
}

// Raw SQL is not rewritten by withSchema, so it names the schema itself.
const table = (name: string) => sql.table(`${FINANCE_SCHEMA}.${name}`);

const at = <T = string>(name: keyof WriteValues, type: string): RawBuilder<T> => slotOf<WriteValues, T>(new Slot<WriteValues>(name), type);
const slot = (name: keyof WriteValues) => new Slot<WriteValues>(name);

function build(db: FinanceDb, shape: WriteShape): CompiledQuery {
  const user = at('userId', 'uuid');
  const now = at('now', 'timestamptz');
  const base = db
    .with('account', (qb) => qb.selectFrom('accounts').select(['id', 'archived_at']).where('user_id', '=', user).where('id', '=', at('accountId', 'uuid')))
    .with('written', (qb) => {
      const insert = qb
        .insertInto('transactions')
        .columns([
          'id',
          'user_id',
          'account_id',
          'type',
          'amount',
          'currency',
          'category_id',
          'description',
          'merchant',
          'occurred_at',
          'tags',
          'transfer_id',
          'created_at',
          'updated_at',
          'risk_score',
          'risk_level',
          'risk_reasons',
          'risk_flagged',
          'location_country',
          'location_city',
          ...(shape.recurring ? (['recurring_rule_id', 'occurrence_date'] as const) : []),
        ])
        .expression((eb) =>
          eb
            .selectFrom('account')
            .select([
              at('id', 'uuid').as('id'),
              user.as('user_id'),
              'account.id as account_id',
              at('type', 'text').as('type'),
              at('amount', 'bigint').as('amount'),
              at('currency', 'text').as('currency'),
              at('categoryId', 'uuid').as('category_id'),
              at('description', 'text').as('description'),
              at('merchant', 'text').as('merchant'),
              at('occurredAt', 'timestamptz').as('occurred_at'),
              at('tags', 'text[]').as('tags'),
              at('transferId', 'uuid').as('transfer_id'),
              now.as('created_at'),
              now.as('updated_at'),
              at<number>('riskScore', 'smallint').as('risk_score'),
              at('riskLevel', 'text').as('risk_level'),
              at('riskReasons', 'jsonb').as('risk_reasons'),
              at<boolean>('riskFlagged', 'boolean').as('risk_flagged'),
              at('locationCountry', 'text').as('location_country'),
              at('locationCity', 'text').as('location_city'),
              ...(shape.recurring ? [at('ruleId', 'uuid').as('recurring_rule_id'), at('occurrenceDate', 'date').as('occurrence_date')] : []),
            ])
            .where('account.archived_at', 'is', null),
        );
      // A recurring occurrence already posted (another scheduler got there first) writes nothing.
      const guarded = shape.recurring
        ? insert.onConflict((oc) => oc.columns(['recurring_rule_id', 'occurrence_date']).where('recurring_rule_id', 'is not', null).doNothing())
        : insert;
      return guarded.returning('id');
    })
    .with('mood', (qb) =>
      shape.mood
        ? qb
            .insertInto('transaction_moods')
            .columns(['id', 'user_id', 'transaction_id', 'mood', 'intensity', 'triggers', 'note', 'created_at', 'updated_at'])
            .expression((eb) =>
              eb
                .selectFrom('written')
                .select([
                  at('moodId', 'uuid').as('id'),
                  user.as('user_id'),
                  'written.id as transaction_id',
                  at('mood', 'text').as('mood'),
                  at('intensity', 'smallint').as('intensity'),
                  at('triggers', 'text[]').as('triggers'),
                  at('note', 'text').as('note'),
                  now.as('created_at'),
                  now.as('updated_at'),
                ]),
            )
            .returning('id')
        : qb.selectNoFrom(sql<string>`null`.as('id')).where(sql<boolean>`false`),
    )
    .with('answer', (qb) =>
      shape.answer
        ? qb
            .updateTable('idempotency_keys')
            .set({ response_status: sql<number>`201`, response_body: at('answer', 'jsonb') })
            .where('user_id', '=', user)
            .where('scope', '=', at('scope', 'text'))
            .where('key', '=', at('key', 'text'))
            .where((eb) => eb.exists(eb.selectFrom('written').select('written.id')))
            .returning('key')
        : qb.selectNoFrom(sql<string>`null`.as('key')).where(sql<boolean>`false`),
    )
    // The budgets an expense counts towards, as this statement's snapshot sees them.
    .with('budget_rows', (qb) =>
      qb
        .selectFrom('budgets as b')
        .select(['b.id', 'b.user_id', 'b.name', 'b.currency', 'b.period', 'b.category_id', 'b.rollover', 'b.created_at', 'b.updated_at'])
        .select([
          sql<string>`b.amount::text`.as('amount'),
          sql<string | null>`b.rollover_cap::text`.as('rollover_cap'),
          sql<string>`to_char(b.start_date, 'YYYY-MM-DD')`.as('start_date'),
          sql<string>`b.spending_version::text`.as('spending_version'),
        ])
        .where('b.user_id', '=', user)
        .where('b.currency', '=', at('currency', 'text'))
        .where((eb) => eb.or([eb('b.category_id', 'is', null), eb('b.category_id', '=', at('categoryId', 'uuid'))]))
        .where(shape.budgets ? sql<boolean>`true` : sql<boolean>`false`),
    )
    // Locked in id order (until the statement or the caller's transaction ends) and their version
    // bumped: a version past the snapshot's + 1 says another write committed in between, which the
    // spending below did not see.
    .with('bumped', () =>
      shape.budgets
        ? sql<{ id: string; v: string }>`(
            update ${table('budgets')} as u set spending_version = u.spending_version + 1
            where u.id in (select l.id from ${table('budgets')} as l where l.id in (select id from budget_rows) order by l.id for no key update)
              and exists (select 1 from written)
            returning u.id, u.spending_version::text as v)`
        : sql<{ id: string; v: string }>`(select null::uuid as id, null::text as v where false)`,
    )
    // Spending per period through the day `through`, without the row this statement writes.
    .with('spending', () =>
      spendingQuery(db, {
        userId: user,
        budgetIds: sql`select id from budget_rows`,
        // A budget that carries nothing is checked in the current period only, which holds `through` whenever it is checked (periodAffected).
        from: at('through', 'text'),
        through: at('through', 'text'),
        timeZone: at('timeZone', 'text'),
      }),
    )
    // Kysely writes a raw CTE as given: the parentheses are ours.
    .with(
      'events',
      () => sql`(
      insert into ${table('outbox')} (id, type, version, user_id, occurred_at, payload, trace_context)
      select e.id, e.type, e.version, e.user_id, e.occurred_at, e.payload::jsonb, e.trace_context::jsonb
      from json_to_recordset(${slot('events')}::json)
        as e(id uuid, type text, version int, user_id uuid, occurred_at timestamptz, payload text, trace_context text)
      where exists (select 1 from written)
      returning 1)`,
    );
  // Without a lesson the baseline's upserts are statements that do nothing, so every shape has one form.
  const nothing = sql<LearnRow>`(select 1 where false)`;
  const learning = shape.learn
    ? learnParts(
        learnSlots(slot('userId'), {
          amounts: slot('learnAmounts'),
          payees: slot('learnPayees'),
          places: slot('learnPlaces'),
          expenses: slot('learnExpenses'),
          located: slot('learnLocated'),
          firstAt: slot('learnFirstAt'),
          hours: slot('learnHours'),
        }),
        sql<boolean>`exists (select 1 from written)`,
      )
    : undefined;
  const cte = (part: keyof NonNullable<typeof learning>) => (learning === undefined ? nothing : sql<LearnRow>`(${learning[part]})`);
  const withLearning = base
    .with('learn_amounts', () => cte('amounts'))
    .with('learn_payees', () => cte('payees'))
    .with('learn_places', () => cte('places'))
    .with('learn_profile', () => cte('profile'));
  return withLearning
    .selectNoFrom((eb) => [
      eb
        .selectFrom('account')
        .select(sql<string>`case when archived_at is null then 'open' else 'archived' end`.as('s'))
        .as('account'),
      eb.selectFrom('written').select('written.id').as('written'),
      // Referenced so the statement runs them (a CTE nobody reads is skipped).
      eb
        .selectFrom('mood')
        .select(sql<number>`count(*)::int`.as('n'))
        .as('moods'),
      eb
        .selectFrom('answer')
        .select(sql<number>`count(*)::int`.as('n'))
        .as('answered'),
      eb
        .selectFrom('budget_rows')
        .select(sql`coalesce(json_agg(budget_rows), '[]'::json)`.as('b'))
        .as('budgets'),
      eb
        .selectFrom('bumped')
        .select(sql`coalesce(json_agg(bumped), '[]'::json)`.as('v'))
        .as('bumped'),
      eb
        .selectFrom('spending')
        .select(
          sql`coalesce(json_agg(json_build_object('budget_id', spending.budget_id, 'period_start', spending.period_start, 'spent', spending.spent::text)), '[]'::json)`.as(
            's',
          ),
        )
        .as('spending'),
    ])
    .compile();
}

const statements = new Map<string, PreparedStatement<WriteValues>>();

function statementFor(shape: WriteShape): PreparedStatement<WriteValues> {
  const name = `finance_create_${shape.mood ? 'm' : '-'}${shape.budgets ? 'b' : '-'}${shape.recurring ? 'r' : '-'}${shape.answer ? 'k' : '-'}${shape.learn ? 'l' : '-'}`;
  let found = statements.get(name);
  if (found === undefined) {
    found = new PreparedStatement(name, (db) => build(db, shape));
    statements.set(name, found);
  }
  return found;
}

export type AccountState = 'open' | 'archived' | null;

/** What the write did, and which precondition stopped it when it wrote nothing. */
export interface WriteResult {
  /** null: no such account of this user. */
  account: AccountState;
  /** The new row's id; null when nothing was written. */
  written: string | null;
  /** The budgets the expense counts towards, as the statement saw them. */
  budgets: BudgetRow[];
  /** Whether another write committed between the statement's snapshot and its lock on these budgets. */
  budgetsMoved: boolean;
  /** Their spending per period as of the snapshot, without the new row. */
  spending: PeriodSpending[];
}

interface BudgetJson extends Omit<BudgetRow, 'amount' | 'rollover_cap' | 'created_at' | 'updated_at' | 'category_slug'> {
  amount: string;
  rollover_cap: string | null;
  created_at: string;
  updated_at: string;
  spending_version: string;
}

interface WriteRow {
  account: AccountState;
  written: string | null;
  budgets: BudgetJson[] | string;
  bumped: { id: string; v: string }[] | string;
  spending: { budget_id: string; period_start: string; spent: string }[] | string;
}

// The embedded database hands json back as text.
const parsed = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

/**
 * Writes one transaction (with its mood, its Idempotency-Key answer, its events and what it teaches
 * the fraud baseline) in one statement, if the account is still the user's and open. Runs as a
 * named prepared statement on PostgreSQL.
 */
export async function writeTransaction(database: Database, db: FinanceDb, shape: WriteShape, values: WriteValues): Promise<WriteResult> {
  const [row] = await statementFor(shape).run<WriteRow>(database, db, values);
  if (row === undefined) throw new Error('the create statement returned no row');
  const seen = parsed(row.budgets);
  const bumped = new Map(parsed(row.bumped).map((b) => [b.id, BigInt(b.v)]));
  const budgets = seen.map(({ spending_version: _version, ...b }) => ({
    ...b,
    amount: BigInt(b.amount),
    rollover_cap: b.rollover_cap === null ? null : BigInt(b.rollover_cap),
    created_at: new Date(b.created_at),
    updated_at: new Date(b.updated_at),
    category_slug: null,
  }));
  const budgetsMoved = row.written !== null && seen.some((b) => bumped.get(b.id) !== BigInt(b.spending_version) + 1n);
  const spending = parsed(row.spending).map((s) => ({ budget_id: s.budget_id, period_start: s.period_start, spent: BigInt(s.spent) }));
  return { account: row.account, written: row.written, budgets, budgetsMoved, spending };
}
