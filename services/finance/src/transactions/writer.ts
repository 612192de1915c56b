import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import type { Database } from '@expensio/common';
import type { FinanceDb } from '../db.js';
import type { BudgetRow } from '../budgets/repo.js';

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
}

/** Which parts a create has; each combination is one statement, compiled once and prepared. */
export interface WriteShape {
  mood: boolean;
  /** An expense: the budgets it counts towards are locked and returned. */
  expense: boolean;
  recurring: boolean;
  /** The request holds an Idempotency-Key: its answer is stored by the same statement. */
  answer: boolean;
}

/** Stands for a value in the statement compiled once; replaced by the value on each run. */
class Slot {
  constructor(readonly name: keyof WriteValues) {}
}

const at = <T = string>(name: keyof WriteValues, type: string): RawBuilder<T> => sql<T>`${new Slot(name)}::${sql.raw(type)}`;

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
    // Locked until the transaction ends, so concurrent spends check thresholds one after another
    // (the spending is read by the next statement, which sees every spend committed before).
    .with('locked', (qb) =>
      qb
        .selectFrom('budgets as b')
        .select(['b.id', 'b.user_id', 'b.name', 'b.currency', 'b.period', 'b.category_id', 'b.rollover', 'b.created_at', 'b.updated_at'])
        .select([
          sql<string>`b.amount::text`.as('amount'),
          sql<string | null>`b.rollover_cap::text`.as('rollover_cap'),
          sql<string>`to_char(b.start_date, 'YYYY-MM-DD')`.as('start_date'),
        ])
        .where('b.user_id', '=', user)
        .where('b.currency', '=', at('currency', 'text'))
        .where((eb) => eb.or([eb('b.category_id', 'is', null), eb('b.category_id', '=', at('categoryId', 'uuid'))]))
        .where(shape.expense ? sql<boolean>`true` : sql<boolean>`false`)
        .orderBy('b.id')
        .forUpdate(),
    );
  return base
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
        .selectFrom('locked')
        .select(sql`coalesce(json_agg(locked), '[]'::json)`.as('b'))
        .as('budgets'),
    ])
    .compile();
}

interface Compiled {
  name: string;
  sql: string;
  slots: (keyof WriteValues)[];
}

const compiled = new Map<string, Compiled>();

function statementFor(db: FinanceDb, shape: WriteShape): Compiled {
  const name = `finance_create_${shape.mood ? 'm' : '-'}${shape.expense ? 'e' : '-'}${shape.recurring ? 'r' : '-'}${shape.answer ? 'k' : '-'}`;
  let found = compiled.get(name);
  if (found === undefined) {
    const query = build(db, shape);
    const slots = query.parameters.map((p) => {
      if (!(p instanceof Slot)) throw new Error('the create statement has a value that is not a slot');
      return p.name;
    });
    found = { name, sql: query.sql, slots };
    compiled.set(name, found);
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
  /** The budgets the expense counts towards, locked until the transaction ends. */
  budgets: BudgetRow[];
}

interface BudgetJson extends Omit<BudgetRow, 'amount' | 'rollover_cap' | 'created_at' | 'updated_at' | 'category_slug'> {
  amount: string;
  rollover_cap: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Writes one transaction (with its mood and its Idempotency-Key answer) in one statement, if the
 * account is still the user's and open, through the caller's transaction. Runs as a named
 * prepared statement on PostgreSQL.
 */
export async function writeTransaction(database: Database, db: FinanceDb, shape: WriteShape, values: WriteValues): Promise<WriteResult> {
  const statement = statementFor(db, shape);
  database.prepare(statement.name, statement.sql);
  const result = await db.executeQuery<{ account: AccountState; written: string | null; budgets: BudgetJson[] | string }>(
    CompiledQuery.raw(
      statement.sql,
      statement.slots.map((slot) => values[slot]),
    ),
  );
  const row = result.rows[0];
  if (row === undefined) throw new Error('the create statement returned no row');
  const budgets = (typeof row.budgets === 'string' ? (JSON.parse(row.budgets) as BudgetJson[]) : row.budgets).map((b) => ({
    ...b,
    amount: BigInt(b.amount),
    rollover_cap: b.rollover_cap === null ? null : BigInt(b.rollover_cap),
    created_at: new Date(b.created_at),
    updated_at: new Date(b.updated_at),
    category_slug: null,
  }));
  return { account: row.account, written: row.written, budgets };
}
