import { ConflictError, ForbiddenError, NotFoundError, fieldError, newId, type AnyEventEnvelope, type AuthUser, type EventType } from '@expensio/common';
import type { Transaction } from 'kysely';
import type { RealtimeContext } from '../context.js';
import type { RealtimeDb, RealtimeTables } from '../db.js';
import {
  cancelPendingDeliveries,
  countEndpoints,
  deleteEndpoint,
  disableEndpoint,
  endpointsFor,
  enabledAllUsersEndpoints,
  eraseUserWebhooks,
  findDelivery,
  findEndpoint,
  insertDeliveries,
  insertEndpoint,
  listDeliveries,
  listEndpoints,
  updateEndpoint,
  type DeliveryRow,
  type EndpointChanges,
  type EndpointRow,
} from './repo.js';
import { newSecret, sealSecret } from './secrets.js';
import type { DeliveryStatus, WebhookScope } from './tables.js';
import { UnsafeTargetError, vetWebhookUrl } from './url-safety.js';

/** Each event fans out to every matching endpoint: a bound keeps one account from multiplying it. */
export const MAX_ENDPOINTS_PER_USER = 20;

export interface WebhookInput {
  url: string;
  events: EventType[];
  description?: string | null | undefined;
  scope: WebhookScope;
}

export interface WebhookPatch {
  url?: string | undefined;
  events?: EventType[] | undefined;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

export interface PageQuery {
  limit: number;
  cursor?: string | undefined;
}

async function vetUrl(ctx: RealtimeContext, url: string): Promise<string> {
  try {
    return await vetWebhookUrl(url, { allowPrivate: ctx.webhooks.allowPrivateUrls, lookup: ctx.webhooks.lookup });
  } catch (error) {
    if (error instanceof UnsafeTargetError) throw fieldError('url', error.message, 'url_not_allowed');
    throw error;
  }
}

export async function requireWebhook(db: RealtimeDb, userId: string, id: string, options: { lock?: boolean } = {}): Promise<EndpointRow> {
  const endpoint = await findEndpoint(db, { userId, id, ...options });
  if (!endpoint) throw new NotFoundError(`No webhook ${id}`, 'webhook_not_found');
  return endpoint;
}

/** Creates an endpoint; the secret is returned here and never again. */
export async function createWebhook(ctx: RealtimeContext, caller: AuthUser, input: WebhookInput): Promise<{ endpoint: EndpointRow; secret: string }> {
  if (input.scope === 'all' && caller.role !== 'admin')
    throw new ForbiddenError('Only an admin may receive the events of all users (scope "all")', 'admin_only');
  // DNS is asked before the transaction, so a slow resolver holds no connection.
  const url = await vetUrl(ctx, input.url);
  const id = newId();
  const secret = newSecret();
  const endpoint = await ctx.db.transaction().execute(async (trx) => {
    if ((await countEndpoints(trx, { userId: caller.id })) >= MAX_ENDPOINTS_PER_USER) {
      throw new ConflictError(`You already have ${String(MAX_ENDPOINTS_PER_USER)} webhooks; delete one first`, 'webhook_limit_reached');
    }
    return insertEndpoint(
      trx,
      {
        id,
        user_id: caller.id,
        scope: input.scope,
        url,
        description: input.description ?? null,
        events: input.events,
        secret: sealSecret(secret, id, ctx.webhooks.secretKey),
      },
      ctx.clock.now(),
    );
  });
  ctx.log.info({ userId: caller.id, webhookId: id, scope: input.scope }, 'webhook created');
  return { endpoint, secret };
}

export async function listWebhooks(ctx: RealtimeContext, userId: string, query: PageQuery): Promise<{ rows: EndpointRow[]; nextCursor: string | null }> {
  return listEndpoints(ctx.db, { userId, limit: query.limit, before: query.cursor });
}

/**
 * Changes an endpoint. Disabling it cancels its pending deliveries (they stay in the log and can
 * be resent); enabling it starts a fresh run of failures. The scope is fixed at creation.
 */
export async function updateWebhook(ctx: RealtimeContext, userId: string, id: string, patch: WebhookPatch): Promise<EndpointRow> {
  await requireWebhook(ctx.db, userId, id);
  const url = patch.url === undefined ? undefined : await vetUrl(ctx, patch.url);
  return ctx.db.transaction().execute(async (trx) => {
    const current = await requireWebhook(trx, userId, id, { lock: true });
    const now = ctx.clock.now();
    const changes: EndpointChanges = {
      ...(url !== undefined && { url }),
      ...(patch.events !== undefined && { events: patch.events }),
      ...(patch.description !== undefined && { description: patch.description }),
    };
    if (patch.enabled === true && !current.enabled)
      Object.assign(changes, { enabled: true, disabled_reason: null, disabled_at: null, consecutive_failures: 0 });
    if (patch.enabled === false && current.enabled) {
      Object.assign(changes, { enabled: false, disabled_reason: 'owner', disabled_at: now });
      await cancelPendingDeliveries(trx, { endpointId: id, reason: 'cancelled: the endpoint was disabled', now });
    }
    return updateEndpoint(trx, { id, changes, now });
  });
}

export async function removeWebhook(ctx: RealtimeContext, userId: string, id: string): Promise<void> {
  if (!(await deleteEndpoint(ctx.db, { userId, id }))) throw new NotFoundError(`No webhook ${id}`, 'webhook_not_found');
}

/** A new secret, shown once; the old one stops working at once (attempts are signed when sent). */
export async function rotateSecret(ctx: RealtimeContext, userId: string, id: string): Promise<{ endpoint: EndpointRow; secret: string }> {
  return ctx.db.transaction().execute(async (trx) => {
    await requireWebhook(trx, userId, id, { lock: true });
    const secret = newSecret();
    const endpoint = await updateEndpoint(trx, { id, changes: { secret: sealSecret(secret, id, ctx.webhooks.secretKey) }, now: ctx.clock.now() });
    return { endpoint, secret };
  });
}

export async function webhookDeliveries(
  ctx: RealtimeContext,
  userId: string,
  id: string,
  query: PageQuery & { status?: DeliveryStatus | undefined },
): Promise<{ rows: DeliveryRow[]; nextCursor: string | null }> {
  await requireWebhook(ctx.db, userId, id);
  return listDeliveries(ctx.db, { endpointId: id, limit: query.limit, before: query.cursor, status: query.status });
}

/**
 * Sends a delivery's event again as a new delivery (same event id and body, so receivers can
 * tell it is a repeat), due at once. The original stays in the log as it ended.
 */
export async function resendDelivery(ctx: RealtimeContext, userId: string, id: string, deliveryId: string): Promise<DeliveryRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const endpoint = await requireWebhook(trx, userId, id, { lock: true });
    const original = await findDelivery(trx, { endpointId: id, id: deliveryId });
    if (!original) throw new NotFoundError(`No delivery ${deliveryId} for webhook ${id}`, 'delivery_not_found');
    if (!endpoint.enabled) throw new ConflictError('The webhook is disabled; enable it before resending', 'webhook_disabled');
    if (original.status === 'pending') throw new ConflictError('The delivery is still being attempted', 'delivery_pending');
    const [copy] = await insertDeliveries(
      trx,
      [
        {
          id: newId(),
          endpoint_id: id,
          event_id: original.event_id,
          event_type: original.event_type,
          event_user_id: original.event_user_id,
          body: original.body,
          resend_of: original.id,
        },
      ],
      ctx.clock.now(),
    );
    if (!copy) throw new Error('the resent delivery was not written');
    return copy;
  });
}

/** The body every attempt of an event's deliveries sends: the envelope, in its documented key order. */
export function envelopeBody(event: AnyEventEnvelope): string {
  return JSON.stringify({ id: event.id, type: event.type, version: event.version, occurredAt: event.occurredAt, userId: event.userId, payload: event.payload });
}

/** The `realtime.webhooks` consumer's effect: one pending delivery per matching enabled endpoint. */
export async function queueDeliveries(ctx: RealtimeContext, trx: Transaction<RealtimeTables>, event: AnyEventEnvelope): Promise<number> {
  const endpoints = await endpointsFor(trx, { type: event.type, userId: event.userId });
  const body = envelopeBody(event);
  const rows = await insertDeliveries(
    trx,
    endpoints.map((endpointId) => ({
      id: newId(),
      endpoint_id: endpointId,
      event_id: event.id,
      event_type: event.type,
      event_user_id: event.userId,
      body,
      resend_of: null,
    })),
    ctx.clock.now(),
  );
  return rows.length;
}

/**
 * Switches an endpoint off without its owner asking, cancels what it still had pending, and tells
 * the owner through `webhook.disabled` (the gateway pushes it to their socket), all in `trx`.
 */
export async function disableWebhook(
  ctx: RealtimeContext,
  trx: Transaction<RealtimeTables>,
  params: { id: string; reason: string; failures: number },
): Promise<boolean> {
  const now = ctx.clock.now();
  const endpoint = await disableEndpoint(trx, { id: params.id, reason: params.reason, now });
  if (!endpoint) return false;
  await cancelPendingDeliveries(trx, { endpointId: endpoint.id, reason: `cancelled: the endpoint was disabled (${params.reason})`, now });
  await ctx.bus.publish(trx, 'webhook.disabled', endpoint.user_id, {
    webhookId: endpoint.id,
    url: endpoint.url,
    reason: params.reason,
    failures: params.failures,
  });
  ctx.log.warn({ webhookId: endpoint.id, userId: endpoint.user_id, reason: params.reason, failures: params.failures }, 'webhook disabled');
  return true;
}

/** An admin who lost the role loses the events of other users: their all-users endpoints go off. */
export async function disableAllUsersEndpoints(ctx: RealtimeContext, trx: Transaction<RealtimeTables>, userId: string): Promise<number> {
  let disabled = 0;
  for (const id of await enabledAllUsersEndpoints(trx, { userId })) {
    if (await disableWebhook(ctx, trx, { id, reason: 'owner_not_admin', failures: 0 })) disabled += 1;
  }
  return disabled;
}

export async function eraseUser(ctx: RealtimeContext, trx: Transaction<RealtimeTables>, userId: string): Promise<void> {
  const erased = await eraseUserWebhooks(trx, { userId });
  ctx.log.info({ userId, ...erased }, "erased a deleted user's webhooks");
}
