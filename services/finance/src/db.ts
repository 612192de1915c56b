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
  /** Set by bulk import only: what makes a re-imported row a duplicate (migration 0007). */
  import_fingerprint: string | null;
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

export interface FinanceTables {
  accounts: AccountsTable;
  categories: CategoriesTable;
  transactions: TransactionsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type FinanceDb = Kysely<FinanceTables>;

export const FINANCE_SCHEMA = 'finance';
