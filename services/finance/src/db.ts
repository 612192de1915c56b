import type { ColumnType, Kysely } from 'kysely';

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
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  response_status: number | null;
  response_body: ColumnType<unknown, string | null, string | null>;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export type BudgetPeriod = 'weekly' | 'monthly' | 'yearly';
export type RolloverMode = 'none' | 'surplus' | 'surplus_and_deficit';
/** A `date` column, always selected as 'YYYY-MM-DD' text: drivers would turn it into a local-time Date. */
type DateText = ColumnType<string, string, string>;

export interface BudgetsTable {
  id: string;
  user_id: string;
  name: string;
  amount: Minor;
  currency: string;
  period: BudgetPeriod;
  category_id: string | null;
  start_date: DateText;
  rollover: RolloverMode;
  rollover_cap: ColumnType<bigint | null, bigint | null, bigint | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BudgetThresholdEventsTable {
  id: string;
  user_id: string;
  budget_id: string;
  period_start: DateText;
  threshold: 80 | 100;
  crossed_at: Timestamp;
  spent: Minor;
  available: Minor;
  currency: string;
}

export interface FinanceTables {
  accounts: AccountsTable;
  categories: CategoriesTable;
  transactions: TransactionsTable;
  idempotency_keys: IdempotencyKeysTable;
  budgets: BudgetsTable;
  budget_threshold_events: BudgetThresholdEventsTable;
}

export type FinanceDb = Kysely<FinanceTables>;

export const FINANCE_SCHEMA = 'finance';
