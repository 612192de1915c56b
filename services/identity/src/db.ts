import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { AttemptLimitTable, EventTables, Scope } from '@expensio/common';
import type { OtpPurpose } from './otp/purposes.js';

type Timestamp = ColumnType<Date, Date, Date>;

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
  role: 'user' | 'admin';
  email_verified_at: Date | null;
  locked_at: Date | null;
  locked_reason: string | null;
  password_changed_at: Date | null;
  /** IANA zone name; the column defaults to UTC. */
  time_zone: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_used_at: Timestamp;
  revoked_at: Date | null;
  revoked_reason: string | null;
  ip: string | null;
  user_agent: string | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: Timestamp;
  spent_at: Date | null;
}

export interface RevokedTokensTable {
  key: string;
  expires_at: Timestamp;
}

export interface OtpChallengesTable {
  id: string;
  user_id: string;
  purpose: OtpPurpose;
  code_hash: string;
  attempts: number;
  expires_at: Timestamp;
  consumed_at: Date | null;
  created_at: Timestamp;
}

export interface SecurityEventsTable {
  id: string;
  user_id: string | null;
  type: string;
  severity: 'info' | 'warning' | 'critical';
  ip: string | null;
  user_agent: string | null;
  details: ColumnType<Record<string, unknown>, string, string>;
  created_at: Timestamp;
}

export interface PersonalAccessTokensTable {
  id: string;
  user_id: string;
  name: string;
  scopes: Scope[];
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_used_at: Date | null;
}

export interface IdentityTables extends AttemptLimitTable, EventTables {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  revoked_tokens: RevokedTokensTable;
  otp_challenges: OtpChallengesTable;
  security_events: SecurityEventsTable;
  personal_access_tokens: PersonalAccessTokensTable;
}

export type IdentityDb = Kysely<IdentityTables>;
/** A change and the events describing it commit together through one of these. */
export type IdentityTrx = Transaction<IdentityTables>;

export const IDENTITY_SCHEMA = 'identity';
