import { sql } from 'kysely';
import { DEFAULT_TIME_ZONE, type Database } from '@expensio/common';
import { FINANCE_SCHEMA, type FinanceDb } from '../db.js';
import { historySlots, historyValues, toHistory, type HistoryRow, type HistoryValues } from '../risk/repo.js';
import type { ExpectedHistory, KnownHistory } from '../risk/service.js';
import { compileRule, type CompiledRule } from '../rules/match.js';
import { ruleDefinition, type RuleFields } from '../rules/on-write.js';
import { PreparedStatement, Slot, slotOf } from '../shared/prepared.js';
import { claimSql, claimTerms, keySeenColumn, keySeenOf, type Claim, type ClaimTerms, type KeySeen } from '../shared/idempotency.js';

/** What a create reads about its user before it writes: one statement (see createTransaction). */
export interface CreateContext {
  timeZone: string;
  /** The named account, or the default one when none is named; null when there is no such account of the user's. */
  account: { id: string; currency: string } | null;
  /** The user's rules in position order, compiled. */
  rules: CompiledRule[];
  /** Whether the user keeps any budget in the account's currency: only then can an expense move one. */
  budgeted: boolean;
  /** The fraud history asked for, in the account's currency; undefined when none was asked for. */
  history?: KnownHistory;
  /** For a request with an Idempotency-Key: whether the statement took it, else the key as it is held (null: by nobody it could see). */
  key?: { taken: true } | { taken: false; seen: KeySeen | null };
}

/** The Idempotency-Key a create claims in its context statement. */
export interface ContextKey {
  claim: Claim;
  hash: string;
  now: Date;
  ttlMs: number;
}

interface ContextValues extends HistoryValues {
  userId: string;
  accountId: string | null;
}

// Raw SQL is not rewritten by withSchema, so the statement names the schema itself.
const t = (name: string) => sql.table(`${FINANCE_SCHEMA}.${name}`);
type Flat = ContextValues & { [K in keyof ClaimTerms<unknown> as `claim_${K}`]: unknown };
const at = (name: keyof Flat, type: string) => slotOf(new Slot<Flat>(name), type);

const claimSlots = {
  userId: at('claim_userId', 'uuid'),
  scope: at('claim_scope', 'text'),
  key: at('claim_key', 'text'),
  hash: at('claim_hash', 'text'),
  now: at('claim_now', 'timestamptz'),
  expiresAt: at('claim_expiresAt', 'timestamptz'),
  abandonedBefore: at('claim_abandonedBefore', 'timestamptz'),
};

/**
 * The context of a create, read in one statement; with a key, the same statement claims it first
 * (a CTE, so it commits with the statement: a duplicate in flight meanwhile sees it pending).
 */
function contextStatement(withHistory: boolean, withKey: boolean) {
  return (db: FinanceDb) => {
    const user = at('userId', 'uuid');
    const accountId = at('accountId', 'uuid');
    const history = withHistory ? sql`, ${historySlots(user, sql`a.currency`)}` : sql``;
    const claim = withKey ? sql`with claimed as (${claimSql(claimSlots)})` : sql``;
    const key = withKey ? sql`, exists (select 1 from claimed) as key_taken, ${keySeenColumn(claimSlots)}` : sql``;
    return sql`
      ${claim}
      select
        (select z.time_zone from ${t('user_time_zones')} z where z.user_id = ${user}) as time_zone,
        a.id as account_id,
        a.currency as account_currency,
        (select coalesce(json_agg(json_build_object(
            'id', r.id, 'conditions', r.conditions, 'category_id', r.category_id, 'category_slug', c.slug, 'category_kind', c.kind,
            'merchant', r.merchant, 'add_tags', r.add_tags, 'transfer_account_id', r.transfer_account_id) order by r.position), '[]'::json)
          from ${t('rules')} r left join ${t('categories')} c on c.id = r.category_id
          where r.user_id = ${user}) as rules,
        exists (select 1 from ${t('budgets')} b where b.user_id = ${user} and b.currency = a.currency) as budgeted
        ${history}
        ${key}
      from (values (1)) as one
      left join ${t('accounts')} a on a.user_id = ${user} and (case when ${accountId} is null then a.is_default else a.id = ${accountId} end)
    `.compile(db);
  };
}

const statements = [false, true].map((history) =>
  [false, true].map((key) => new PreparedStatement<Flat>(`finance_create_context${history ? '_h' : ''}${key ? '_k' : ''}`, contextStatement(history, key))),
);

type ContextRow = {
  time_zone: string | null;
  account_id: string | null;
  account_currency: string | null;
  rules: RuleFields[] | string;
  budgeted: boolean;
  key_taken?: boolean;
  key_seen?: KeySeen | string | null;
} & Partial<HistoryRow>;

/**
 * Claims the request's Idempotency-Key, if it has one, and reads the user's zone, the account, the
 * rules, whether budgets exist and, when `expected` says what the transaction will be scored on,
 * the fraud history for it: all in one statement.
 */
export async function readCreateContext(
  database: Database,
  db: FinanceDb,
  params: { userId: string; accountId: string | undefined; expected: ExpectedHistory | null; key?: ContextKey | undefined },
): Promise<CreateContext> {
  const { expected, key } = params;
  const statement = statements[expected === null ? 0 : 1]?.[key === undefined ? 0 : 1];
  if (statement === undefined) throw new Error('no create context statement');
  const terms = key === undefined ? null : claimTerms(key.claim, key.hash, key.now, key.ttlMs);
  const [row] = await statement.run<ContextRow>(database, db, {
    userId: params.userId,
    accountId: params.accountId ?? null,
    ...historyValues(expected),
    claim_userId: terms?.userId,
    claim_scope: terms?.scope,
    claim_key: terms?.key,
    claim_hash: terms?.hash,
    claim_now: terms?.now,
    claim_expiresAt: terms?.expiresAt,
    claim_abandonedBefore: terms?.abandonedBefore,
  });
  if (row === undefined) throw new Error('the create context statement returned no row');
  const rules = typeof row.rules === 'string' ? (JSON.parse(row.rules) as RuleFields[]) : row.rules;
  const account = row.account_id === null || row.account_currency === null ? null : { id: row.account_id, currency: row.account_currency };
  return {
    timeZone: row.time_zone ?? DEFAULT_TIME_ZONE,
    account,
    rules: rules.map((r) => compileRule(ruleDefinition(r))),
    budgeted: row.budgeted,
    ...(expected !== null &&
      account !== null && {
        history: { params: { ...expected, userId: params.userId, currency: account.currency }, history: toHistory(row as HistoryRow) },
      }),
    ...(key !== undefined && { key: row.key_taken === true ? { taken: true } : { taken: false, seen: keySeenOf(row.key_seen ?? null) } }),
  };
}
