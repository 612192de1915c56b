import type { ColumnType, Generated, Kysely } from 'kysely';
import type { EventTables } from '@expensio/common';
import type { Condition } from './rules/conditions.js';
import type { ReviewDecision, RiskLevel, RiskReason } from './risk/score.js';

type Timestamp = ColumnType<Date, Date, Date>;
/** bigint minor units: read as bigint, written from bigint. */
type Minor = ColumnType<bigint, bigint, bigint>;

export type AccountType = 'checking' | 'savings' | 'credit_card' | 'cash' | 'loan';
export type TransactionType = 'income' | 'expense' | 'transfer_in' | 'transfer_out';

export interface AccountsTable {
  id: string;
  user_id: string;
  name: string;
  type: AccountType;
  currency: string;
  opening_balance: Minor;
  is_default: boolean;
  archived_at: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CategoriesTable {
  id: string;
  user_id: string | null;
  slug: string;
  name: string;
  kind: 'expense' | 'income' | 'any';
  created_at: Timestamp;
}

export interface TransactionsTable {
  id: string;
  user_id: string;
  account_id: string;
  type: TransactionType;
  amount: Minor;
  currency: string;
  category_id: string | null;
  description: string | null;
  merchant: string | null;
  occurred_at: Timestamp;
  tags: string[];
  transfer_id: string | null;
  /** Set on the transactions a recurring rule posted, with the occurrence's date ('YYYY-MM-DD'). */
  recurring_rule_id: ColumnType<string | null, string | null | undefined, string | null>;
  occurrence_date: ColumnType<Date | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Set by bulk import only: what makes a re-imported row a duplicate (migration 0007). */
  import_fingerprint: string | null;
  /** The fraud score given when written (migration 0014, docs/fraud-scoring.md); transfers keep the defaults. */
  risk_score: ColumnType<number, number | undefined, number>;
  risk_level: ColumnType<RiskLevel, RiskLevel | undefined, RiskLevel>;
  risk_reasons: ColumnType<RiskReason[], string | undefined, string>;
  risk_flagged: ColumnType<boolean, boolean | undefined, boolean>;
  /** Where the request that wrote it came from (GeoIP), when known. */
  location_country: ColumnType<string | null, string | null | undefined, string | null>;
  location_city: ColumnType<string | null, string | null | undefined, string | null>;
  review_decision: ColumnType<ReviewDecision | null, ReviewDecision | null | undefined, ReviewDecision | null>;
  review_note: ColumnType<string | null, string | null | undefined, string | null>;
  reviewed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface RiskAmountsTable {
  user_id: string;
  currency: string;
  /** 'all', or 'category:<id>' / 'category:none'. */
  scope: string;
  seen: number;
  recent: ColumnType<bigint[], bigint[], bigint[]>;
}

export interface RiskMerchantsTable {
  user_id: string;
  merchant: string;
  seen: number;
  recent: ColumnType<bigint[], bigint[], bigint[]>;
}

export interface RiskLocationsTable {
  user_id: string;
  country: string;
  city: string;
  seen: number;
}

export interface RiskProfilesTable {
  user_id: string;
  expenses: number;
  located: number;
  first_at: Timestamp;
  hours: number[];
}

export interface IdempotencyKeysTable {
  user_id: string;
  /** The operation the key was sent to (see shared/idempotency.ts): keys are per user and per operation. */
  scope: string;
  key: string;
  request_hash: string;
  response_status: number | null;
  response_body: ColumnType<unknown, string | null, string | null>;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export type BudgetPeriod = 'weekly' | 'monthly' | 'yearly';
export type RolloverMode = 'none' | 'surplus' | 'surplus_and_deficit';

export interface BudgetsTable {
  id: string;
  user_id: string;
  name: string;
  amount: Minor;
  currency: string;
  period: BudgetPeriod;
  category_id: string | null;
  start_date: CalendarDay;
  rollover: RolloverMode;
  rollover_cap: ColumnType<bigint | null, bigint | null, bigint | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Bumped by each write that checks the budget's thresholds (migration 0018). */
  spending_version: Generated<bigint>;
}

export interface BudgetThresholdEventsTable {
  id: string;
  user_id: string;
  budget_id: string;
  period_start: CalendarDay;
  threshold: 80 | 100;
  crossed_at: Timestamp;
  spent: Minor;
  available: Minor;
  currency: string;
}

/** A calendar day written as "YYYY-MM-DD"; read it with to_char so no driver turns it into a local-time Date. */
type CalendarDay = ColumnType<string, string, string>;
/** numeric: read as its exact decimal string. */
type Decimal = ColumnType<string, string, string>;

export interface GoalsTable {
  id: string;
  user_id: string;
  name: string;
  target_amount: Minor;
  currency: string;
  deadline: CalendarDay | null;
  completed_at: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface GoalContributionsTable {
  id: string;
  goal_id: string;
  user_id: string;
  amount: Minor;
  note: string | null;
  occurred_at: Timestamp;
  created_at: Timestamp;
}

export interface GoalEventsTable {
  id: string;
  user_id: string;
  goal_id: string;
  type: 'progressed' | 'completed';
  saved: Minor;
  percent: Decimal;
  occurred_at: Timestamp;
}

export type DebtKind = 'loan' | 'credit_card';

export interface DebtsTable {
  id: string;
  user_id: string;
  name: string;
  kind: DebtKind;
  currency: string;
  opening_balance: Minor;
  start_date: CalendarDay;
  annual_rate: Decimal;
  minimum_payment: Minor;
  due_day: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DebtPaymentsTable {
  id: string;
  debt_id: string;
  user_id: string;
  amount: Minor;
  interest: Minor;
  principal: Minor;
  paid_at: CalendarDay;
  created_at: Timestamp;
}

export type Frequency = 'daily' | 'weekly' | 'monthly' | 'yearly';

export interface RecurringRulesTable {
  id: string;
  user_id: string;
  account_id: string;
  type: 'income' | 'expense';
  amount: Minor;
  currency: string;
  category_id: string | null;
  description: string | null;
  merchant: string | null;
  tags: string[];
  frequency: Frequency;
  frequency_interval: number;
  start_date: CalendarDay;
  end_date: ColumnType<string | null, string | null, string | null>;
  occurrence_count: number | null;
  paused: boolean;
  next_index: number;
  next_date: ColumnType<string | null, string | null, string | null>;
  last_error: string | null;
  /** The subscription (payee key, in `currency`) a rule made by tracking one tracks; unique per user. */
  subscription_key: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RecurringPausesTable {
  id: string;
  rule_id: string;
  paused_on: CalendarDay;
  resumed_on: ColumnType<string | null, string | null | undefined, string | null>;
}

export type Mood = 'happy' | 'neutral' | 'stressed' | 'sad' | 'bored' | 'excited' | 'anxious' | 'regretful';
export type MoodTrigger = 'impulse' | 'social_pressure' | 'boredom' | 'reward' | 'stress_relief' | 'celebration' | 'convenience' | 'fomo' | 'habit';

export interface TransactionMoodsTable {
  id: string;
  user_id: string;
  transaction_id: string;
  mood: Mood;
  intensity: number;
  triggers: MoodTrigger[];
  note: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A rule that categorises (migration 0010); its conditions are validated JSON (rules/conditions.ts). */
export interface RulesTable {
  id: string;
  user_id: string;
  name: string;
  position: number;
  conditions: ColumnType<Condition[], string, string>;
  category_id: string | null;
  merchant: string | null;
  add_tags: string[];
  /** The action "make it a transfer to this account" (migration 0012). */
  transfer_account_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A user's IANA time zone as identity announced it (migration 0013); no row means UTC. */
export interface UserTimeZonesTable {
  user_id: string;
  time_zone: string;
  changed_at: Timestamp;
}

/**
 * Each user's transactions summed per local day, account, currency, type and whether a recurring
 * rule posted them (migration 0016, ADR 0024). Written only by triggers on transactions; read-only here.
 */
export interface TransactionDayTotalsTable {
  user_id: string;
  day: ColumnType<string, never, never>;
  account_id: string;
  currency: string;
  type: TransactionType;
  recurring: boolean;
  amount: ColumnType<bigint, never, never>;
  count: ColumnType<number, never, never>;
}

/** A CSV mapping saved for an account (migration 0011), validated by imports/formats/mapping.ts before it is stored. */
export interface ImportMappingsTable {
  account_id: string;
  user_id: string;
  mapping: ColumnType<unknown, string, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FinanceTables extends EventTables {
  accounts: AccountsTable;
  categories: CategoriesTable;
  transactions: TransactionsTable;
  idempotency_keys: IdempotencyKeysTable;
  budgets: BudgetsTable;
  budget_threshold_events: BudgetThresholdEventsTable;
  goals: GoalsTable;
  goal_contributions: GoalContributionsTable;
  goal_events: GoalEventsTable;
  debts: DebtsTable;
  debt_payments: DebtPaymentsTable;
  recurring_rules: RecurringRulesTable;
  recurring_pauses: RecurringPausesTable;
  transaction_moods: TransactionMoodsTable;
  rules: RulesTable;
  user_time_zones: UserTimeZonesTable;
  transaction_day_totals: TransactionDayTotalsTable;
  import_mappings: ImportMappingsTable;
  risk_amounts: RiskAmountsTable;
  risk_merchants: RiskMerchantsTable;
  risk_locations: RiskLocationsTable;
  risk_profiles: RiskProfilesTable;
}

export type FinanceDb = Kysely<FinanceTables>;

export const FINANCE_SCHEMA = 'finance';
