import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
type NullableText = ColumnType<string | null, string | null | undefined, string | null>;

export type WebhookScope = 'own' | 'all';
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

export interface WebhookEndpointsTable {
  id: string;
  user_id: string;
  scope: WebhookScope;
  url: string;
  description: NullableText;
  events: string[];
  secret: string;
  enabled: Generated<boolean>;
  disabled_reason: NullableText;
  disabled_at: NullableTimestamp;
  consecutive_failures: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  event_user_id: string | null;
  body: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  last_error: NullableText;
  response_status: ColumnType<number | null, number | null | undefined, number | null>;
  next_attempt_at: NullableTimestamp;
  locked_until: NullableTimestamp;
  resend_of: NullableText;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_attempt_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

/** Migration 0002 (services/realtime/migrations). */
export interface WebhookTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
