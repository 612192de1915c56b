import type { Kysely } from 'kysely';
import type { EventTables } from '@expensio/common';
import type { WebhookTables } from './webhooks/tables.js';

export type RealtimeTables = EventTables & WebhookTables;

export type RealtimeDb = Kysely<RealtimeTables>;

export const REALTIME_SCHEMA = 'realtime';
