import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { page, pastCursor, type Page } from '@expensio/common';
import type { RealtimeDb } from '../db.js';
import type { DeliveryStatus, WebhookDeliveriesTable, WebhookEndpointsTable } from './tables.js';

/** An endpoint as the API shows it: everything but the secret. */
export type EndpointRow = Omit<Selectable<WebhookEndpointsTable>, 'secret'>;
export type DeliveryRow = Omit<Selectable<WebhookDeliveriesTable>, 'body' | 'locked_until'>;
export type NewEndpoint = Omit<Insertable<WebhookEndpointsTable>, 'created_at' | 'updated_at'>;
export type NewDelivery = Pick<Insertable<WebhookDeliveriesTable>, 'id' | 'endpoint_id' | 'event_id' | 'event_type' | 'event_user_id' | 'body' | 'resend_of'>;
export type EndpointChanges = Pick<
  Updateable<WebhookEndpointsTable>,
  'url' | 'events' | 'description' | 'enabled' | 'disabled_reason' | 'disabled_at' | 'consecutive_failures' | 'secret'
>;

const endpointColumns = [
  'id',
  'user_id',
  'scope',
  'url',
  'description',
  'events',
  'enabled',
  'disabled_reason',
  'disabled_at',
  'consecutive_failures',
  'created_at',
  'updated_at',
] as const;

const deliveryColumns = [
  'id',
  'endpoint_id',
  'event_id',
  'event_type',
  'event_user_id',
  'status',
  'attempts',
  'last_error',
  'response_status',
  'next_attempt_at',
  'resend_of',
  'created_at',
  'updated_at',
  'last_attempt_at',
  'completed_at',
] as const;

// Endpoints ---------------------------------------------------------------------------------------

export async function insertEndpoint(db: RealtimeDb, row: NewEndpoint, now: Date): Promise<EndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({ ...row, created_at: now, updated_at: now })
    .returning(endpointColumns)
    .executeTakeFirstOrThrow();
}

export async function countEndpoints(db: RealtimeDb, params: { userId: string }): Promise<number> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', params.userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findEndpoint(db: RealtimeDb, params: { userId: string; id: string; lock?: boolean }): Promise<EndpointRow | undefined> {
  const query = db.selectFrom('webhook_endpoints').select(endpointColumns).where('user_id', '=', params.userId).where('id', '=', params.id);
  return params.lock === true ? query.forUpdate().executeTakeFirst() : query.executeTakeFirst();
}

/** Newest first; ids are UUID v7, so their order is the order of creation. */
export async function listEndpoints(db: RealtimeDb, params: { userId: string; limit: number; before?: string | undefined }): Promise<Page<EndpointRow>> {
  let query = db.selectFrom('webhook_endpoints').select(endpointColumns).where('user_id', '=', params.userId);
  const { before } = params;
  if (before !== undefined) query = query.where((eb) => pastCursor(eb, ['id'], [before]));
  // The cursor is the last id shown: a UUID, checked by the route's schema.
  return page(
    await query
      .orderBy('id', 'desc')
      .limit(params.limit + 1)
      .execute(),
    params.limit,
    (last) => last.id,
  );
}

export async function updateEndpoint(db: RealtimeDb, params: { id: string; changes: EndpointChanges; now: Date }): Promise<EndpointRow> {
  return db
    .updateTable('webhook_endpoints')
    .set({ ...params.changes, updated_at: params.now })
    .where('id', '=', params.id)
    .returning(endpointColumns)
    .executeTakeFirstOrThrow();
}

export async function deleteEndpoint(db: RealtimeDb, params: { userId: string; id: string }): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('user_id', '=', params.userId).where('id', '=', params.id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The enabled endpoints an event goes to: its user's own, and every all-users one. */
export async function endpointsFor(db: RealtimeDb, params: { type: string; userId: string | null }): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('enabled', '=', true)
    .where(sql<boolean>`${params.type} = any(events)`)
    .where((eb) => (params.userId === null ? eb('scope', '=', 'all') : eb.or([eb('scope', '=', 'all'), eb('user_id', '=', params.userId)])))
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** A success ends a run of failures. */
export async function resetFailures(db: RealtimeDb, params: { id: string }): Promise<void> {
  await db.updateTable('webhook_endpoints').set({ consecutive_failures: 0 }).where('id', '=', params.id).where('consecutive_failures', '<>', 0).execute();
}

/** Counts one more failed delivery; returns the run's length. */
export async function addFailure(db: RealtimeDb, params: { id: string }): Promise<number | undefined> {
  const row = await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
    .where('id', '=', params.id)
    .returning('consecutive_failures')
    .executeTakeFirst();
  return row?.consecutive_failures;
}

/** Disables an endpoint that is enabled; undefined when it already was not (someone else did it). */
export async function disableEndpoint(db: RealtimeDb, params: { id: string; reason: string; now: Date }): Promise<EndpointRow | undefined> {
  return db
    .updateTable('webhook_endpoints')
    .set({ enabled: false, disabled_reason: params.reason, disabled_at: params.now, updated_at: params.now })
    .where('id', '=', params.id)
    .where('enabled', '=', true)
    .returning(endpointColumns)
    .executeTakeFirst();
}

export async function enabledAllUsersEndpoints(db: RealtimeDb, params: { userId: string }): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('user_id', '=', params.userId)
    .where('scope', '=', 'all')
    .where('enabled', '=', true)
    .execute();
  return rows.map((r) => r.id);
}

/** A deleted user's endpoints (their deliveries go with them) and their events in others' logs. */
export async function eraseUserWebhooks(db: RealtimeDb, params: { userId: string }): Promise<{ endpoints: number; deliveries: number }> {
  const endpoints = await db.deleteFrom('webhook_endpoints').where('user_id', '=', params.userId).executeTakeFirst();
  const deliveries = await db
    .deleteFrom('webhook_deliveries')
    .where('event_user_id', '=', params.userId)
    // Admins' all-users endpoints are still told the user is gone.
    .where('event_type', '<>', 'user.deleted')
    .executeTakeFirst();
  return { endpoints: Number(endpoints.numDeletedRows), deliveries: Number(deliveries.numDeletedRows) };
}

// Deliveries --------------------------------------------------------------------------------------

export async function insertDeliveries(db: RealtimeDb, rows: NewDelivery[], now: Date): Promise<DeliveryRow[]> {
  if (rows.length === 0) return [];
  return db
    .insertInto('webhook_deliveries')
    .values(rows.map((row) => ({ ...row, status: 'pending' as const, next_attempt_at: now, created_at: now, updated_at: now })))
    .returning(deliveryColumns)
    .execute();
}

export async function findDelivery(db: RealtimeDb, params: { endpointId: string; id: string }): Promise<(DeliveryRow & { body: string }) | undefined> {
  return db
    .selectFrom('webhook_deliveries')
    .select([...deliveryColumns, 'body'])
    .where('endpoint_id', '=', params.endpointId)
    .where('id', '=', params.id)
    .executeTakeFirst();
}

/** Newest first (UUID v7 ids), optionally one status only. */
export async function listDeliveries(
  db: RealtimeDb,
  params: { endpointId: string; limit: number; before?: string | undefined; status?: DeliveryStatus | undefined },
): Promise<Page<DeliveryRow>> {
  let query = db.selectFrom('webhook_deliveries').select(deliveryColumns).where('endpoint_id', '=', params.endpointId);
  const { before } = params;
  if (before !== undefined) query = query.where((eb) => pastCursor(eb, ['id'], [before]));
  if (params.status !== undefined) query = query.where('status', '=', params.status);
  return page(
    await query
      .orderBy('id', 'desc')
      .limit(params.limit + 1)
      .execute(),
    params.limit,
    (last) => last.id,
  );
}

/** Ends an endpoint's pending deliveries (it was disabled): they stay in the log, and can be resent. */
export async function cancelPendingDeliveries(db: RealtimeDb, params: { endpointId: string; reason: string; now: Date }): Promise<number> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'cancelled', last_error: params.reason, next_attempt_at: null, locked_until: null, completed_at: params.now, updated_at: params.now })
    .where('endpoint_id', '=', params.endpointId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface ClaimedDelivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  body: string;
  attempts: number;
  url: string;
  secret: string;
  /** The claim's expiry, which also identifies it: the outcome is recorded only while it holds. */
  locked_until: Date;
}

/**
 * Claims due deliveries of enabled endpoints with FOR UPDATE SKIP LOCKED and a lease, and commits
 * the claim at once: the HTTP call happens outside any transaction (PGlite has one connection, and
 * a slow receiver must not hold a PostgreSQL one), and a worker that dies mid-call leaves its claim
 * to expire so another takes the delivery over.
 */
export async function claimDueDeliveries(db: RealtimeDb, params: { now: Date; leaseUntil: Date; limit: number }): Promise<ClaimedDelivery[]> {
  const rows = await db
    .updateTable('webhook_deliveries as d')
    .from('webhook_endpoints as e')
    .set({ locked_until: params.leaseUntil })
    .whereRef('e.id', '=', 'd.endpoint_id')
    .where('d.id', 'in', (eb) =>
      eb
        .selectFrom('webhook_deliveries as due')
        .innerJoin('webhook_endpoints as owner', 'owner.id', 'due.endpoint_id')
        .select('due.id')
        .where('due.status', '=', 'pending')
        .where('owner.enabled', '=', true)
        .where('due.next_attempt_at', '<=', params.now)
        .where((w) => w.or([w('due.locked_until', 'is', null), w('due.locked_until', '<', params.now)]))
        .orderBy('due.next_attempt_at')
        .limit(params.limit)
        .forUpdate('due')
        .skipLocked(),
    )
    .returning(['d.id', 'd.endpoint_id', 'd.event_id', 'd.event_type', 'd.body', 'd.attempts', 'e.url', 'e.secret', 'd.locked_until'])
    .execute();
  return rows.map((row) => ({ ...row, locked_until: params.leaseUntil }));
}

export interface AttemptOutcome {
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  /** Kept after a later success, so the log shows what went wrong before. */
  error: string | null;
  nextAttemptAt: Date | null;
  now: Date;
}

/** Records an attempt if the claim still holds and the delivery was not cancelled meanwhile. */
export async function recordAttempt(db: RealtimeDb, params: { id: string; leaseUntil: Date; outcome: AttemptOutcome }): Promise<boolean> {
  const { outcome } = params;
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      attempts: outcome.attempts,
      response_status: outcome.responseStatus,
      ...(outcome.error !== null && { last_error: outcome.error }),
      next_attempt_at: outcome.nextAttemptAt,
      locked_until: null,
      last_attempt_at: outcome.now,
      completed_at: outcome.status === 'pending' ? null : outcome.now,
      updated_at: outcome.now,
    })
    .where('id', '=', params.id)
    .where('status', '=', 'pending')
    .where('locked_until', '=', params.leaseUntil)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
