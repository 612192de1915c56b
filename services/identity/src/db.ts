import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { AttemptLimitTable, EventTables, Scope } from '@expensio/common';
import type { CodePurpose } from './otp/purposes.js';

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
  purpose: CodePurpose;
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
  country: string | null;
  city: string | null;
  device: ColumnType<DeviceInfo | null, string | null, string | null>;
  reasons: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Timestamp;
}

/** A user agent as parsed, never the raw string. */
export interface DeviceInfo {
  browser: string | null;
  os: string | null;
  type: string | null;
}

export interface KnownDevicesTable {
  id: string;
  user_id: string;
  fingerprint: string;
  browser: string | null;
  os: string | null;
  type: string | null;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
}

export type SignInMethod = 'registration' | 'password' | 'otp' | 'step_up' | 'refresh';
export type SignInOutcome = 'success' | 'failure' | 'step_up_required';

export interface SignInsTable {
  id: string;
  user_id: string;
  method: SignInMethod;
  outcome: SignInOutcome;
  ip: string | null;
  country: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  fingerprint: string;
  device_id: string | null;
  session_id: string | null;
  risk_score: number;
  reasons: string[];
  created_at: Timestamp;
}

export interface SecurityAlertsTable {
  id: string;
  user_id: string;
  type: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  ip: string | null;
  reasons: string[];
  created_at: Timestamp;
  acknowledged_at: Date | null;
}

export interface SecuritySettingsTable {
  user_id: string;
  step_up: 'risky' | 'always';
  alert_threshold: number;
  alert_signals: string[];
  channels: string[];
  updated_at: Timestamp;
}

export interface StepUpChallengesTable {
  id: string;
  user_id: string;
  first_step: 'password' | 'otp';
  methods: string[];
  attempts: ColumnType<number, number | undefined, number>;
  ip: string;
  user_agent: string | null;
  risk_score: number;
  reasons: string[];
  expires_at: Timestamp;
  consumed_at: Date | null;
  created_at: Timestamp;
}

export interface TotpFactorsTable {
  user_id: string;
  secret_sealed: string;
  enabled_at: Date | null;
  /** bigint comes back as a string from pg; written as a number. */
  last_step: ColumnType<string | number | null, number | null, number | null>;
  created_at: Timestamp;
}

export interface TotpBackupCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: Date | null;
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
  known_devices: KnownDevicesTable;
  sign_ins: SignInsTable;
  security_alerts: SecurityAlertsTable;
  security_settings: SecuritySettingsTable;
  step_up_challenges: StepUpChallengesTable;
  totp_factors: TotpFactorsTable;
  totp_backup_codes: TotpBackupCodesTable;
}

export type IdentityDb = Kysely<IdentityTables>;
/** A change and the events describing it commit together through one of these. */
export type IdentityTrx = Transaction<IdentityTables>;

export const IDENTITY_SCHEMA = 'identity';
