import type { ColumnType, Generated } from 'kysely';
import { migrationChecksum, type Migration } from '../db/migrations.js';
import type { AnyKysely } from '../db/connect.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** One row per event a service published; the relay delivers rows whose `published_at` is null. */
export interface OutboxTable {
  id: string;
  type: string;
  version: number;
  user_id: string | null;
  occurred_at: Timestamp;
  payload: ColumnType<unknown, string, string>;
  published_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  attempts: Generated<number>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  /** Not before this moment: the back-off after a failed delivery. */
  available_at: Generated<Date>;
  /** A relay that claimed the row holds it until then; past it, another relay may take it over. */
  locked_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The publisher's W3C Trace Context (`TraceCarrier`), when it was traced. */
  trace_context: ColumnType<unknown, string | null | undefined, string | null>;
}

/** One row per (consumer, event) a service's consumer has dealt with: processed, or dead-lettered in-process. */
export interface InboxTable {
  consumer: string;
  event_id: string;
  event_type: string;
  status: ColumnType<'processed' | 'dead_lettered', 'processed' | 'dead_lettered' | undefined, 'processed' | 'dead_lettered'>;
  processed_at: Generated<Date>;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  /** Kept for dead letters only, so they can be inspected and replayed. */
  envelope: ColumnType<unknown, string | null | undefined, string | null>;
}

/** Add these to a service's table map: `interface FinanceTables extends EventTables { ... }`. */
export interface EventTables {
  outbox: OutboxTable;
  inbox: InboxTable;
}

/**
 * Version 1 of the tables, as each service's `NNNN_event_tables` migration file holds it. Frozen:
 * installs have its checksum in their history, so a change ships as a new migration file.
 * Unqualified names: the migration runner sets the search path to the service's schema.
 */
const UP = `create table outbox (
  id uuid primary key,
  type text not null,
  version integer not null,
  user_id uuid,
  occurred_at timestamptz not null,
  payload jsonb not null,
  published_at timestamptz,
  attempts integer not null default 0,
  last_error text,
  available_at timestamptz not null default now(),
  locked_until timestamptz
);
-- The relay's scan: pending rows in id (UUID v7, so publication) order.
create index outbox_pending_idx on outbox (id) where published_at is null;
create index outbox_published_at_idx on outbox (published_at) where published_at is not null;

create table inbox (
  consumer text not null,
  event_id uuid not null,
  event_type text not null,
  status text not null default 'processed' check (status in ('processed', 'dead_lettered')),
  processed_at timestamptz not null default now(),
  error text,
  envelope jsonb,
  primary key (consumer, event_id)
);
create index inbox_processed_at_idx on inbox (processed_at);
`;

const DOWN = `drop table inbox;
drop table outbox;
`;

/** The up and down SQL that creates the outbox and inbox in the schema being migrated. */
export function eventTablesSql(): { up: string; down: string } {
  return { up: UP, down: DOWN };
}

/**
 * The tables as one migration, for a schema that has no migrations folder of its own (the shared
 * library's tests). Services ship the same text as `NNNN_event_tables.{up,down}.sql` files.
 */
export function eventTablesMigration(version: number, name = 'event_tables'): Migration {
  return { version, name, up: UP, down: DOWN, checksum: migrationChecksum(UP, DOWN) };
}

const TRACE_CONTEXT_UP = `-- The publisher's W3C Trace Context, so the relay and the consumers continue its trace (ADR 0023).
alter table outbox add column trace_context jsonb;
`;

const TRACE_CONTEXT_DOWN = `alter table outbox drop column trace_context;
`;

/** The outbox's trace context column, as each service's `NNNN_outbox_trace_context` migration file holds it. Frozen, like the tables. */
export function outboxTraceContextSql(): { up: string; down: string } {
  return { up: TRACE_CONTEXT_UP, down: TRACE_CONTEXT_DOWN };
}

/** The trace context column as one migration, to follow `eventTablesMigration` where a schema has no folder. */
export function outboxTraceContextMigration(version: number, name = 'outbox_trace_context'): Migration {
  return { version, name, up: TRACE_CONTEXT_UP, down: TRACE_CONTEXT_DOWN, checksum: migrationChecksum(TRACE_CONTEXT_UP, TRACE_CONTEXT_DOWN) };
}

export interface PruneOptions {
  /** Published outbox rows older than this go. */
  publishedBefore: Date;
  /** Processed inbox rows older than this go; keep them longer than any redelivery can take. Dead letters stay. */
  processedBefore: Date;
}

/** Deletes what no relay or consumer will read again; run it on a schedule. */
export async function pruneEventTables(db: AnyKysely, options: PruneOptions): Promise<{ outbox: number; inbox: number }> {
  const outbox = await db.deleteFrom('outbox').where('published_at', '<', options.publishedBefore).executeTakeFirst();
  const inbox = await db.deleteFrom('inbox').where('status', '=', 'processed').where('processed_at', '<', options.processedBefore).executeTakeFirst();
  return { outbox: Number(outbox.numDeletedRows), inbox: Number(inbox.numDeletedRows) };
}
