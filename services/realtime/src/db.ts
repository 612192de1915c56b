import type { Kysely } from 'kysely';
import type { EventTables } from '@expensio/common';

export type RealtimeTables = EventTables;

export type RealtimeDb = Kysely<RealtimeTables>;

export const REALTIME_SCHEMA = 'realtime';
