import { z } from 'zod';
import { EVENT_TYPES, multilineText, text, type EventType } from '@expensio/common';
import type { DeliveryRow, EndpointRow } from './repo.js';

const eventTypes = EVENT_TYPES as [EventType, ...EventType[]];

export const idParams = z.object({ id: z.uuid({ message: 'must be a webhook id (UUID)' }) });
export const deliveryParams = idParams.extend({ deliveryId: z.uuid({ message: 'must be a delivery id (UUID)' }) });

const urlSchema = text().trim().min(1).max(2048).describe('Where events are POSTed. In production: https, and the host must resolve to public addresses only');
const eventsSchema = z
  .array(z.enum(eventTypes))
  .min(1)
  .max(100)
  .transform((types) => [...new Set(types)])
  .describe('The event types to receive (the catalog in @expensio/common)');
const descriptionSchema = multilineText().trim().max(500).nullable();
const scopeSchema = z.enum(['own', 'all']).describe('own: events about you; all (admins only): events about every user, and those about no user');
const deliveryStatusSchema = z
  .enum(['pending', 'succeeded', 'failed', 'cancelled'])
  .describe('pending: not yet delivered (attempts go on); succeeded: a 2xx answer; failed: every attempt failed; cancelled: the endpoint was disabled first');

// `example`, not `examples`: Zod leaves `examples` out of an input schema that holds a transform (events).
export const createWebhookBody = z
  .strictObject({
    url: urlSchema,
    events: eventsSchema,
    description: descriptionSchema.optional(),
    scope: scopeSchema.default('own'),
  })
  .meta({
    example: { url: 'https://hooks.example.com/expensio', events: ['transaction.created', 'budget.threshold_reached'], description: 'Bookkeeping sync' },
  });

export const patchWebhookBody = z
  .strictObject({
    url: urlSchema.optional(),
    events: eventsSchema.optional(),
    description: descriptionSchema.optional(),
    enabled: z.boolean().optional().describe('false cancels pending deliveries; true re-enables a disabled endpoint and clears its failure count'),
  })
  .refine((b) => b.url !== undefined || b.events !== undefined || b.description !== undefined || b.enabled !== undefined, {
    message: 'name at least one of url, events, description, enabled',
    path: ['url'],
  });

const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.uuid({ message: 'is not a cursor from this API' }).optional().describe('nextCursor from the previous page'),
};

export const listQuery = z.strictObject(pageQuery);
export const deliveriesQuery = z.strictObject({ ...pageQuery, status: deliveryStatusSchema.optional() });

const instant = z.iso.datetime();

export const webhookSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()),
    scope: scopeSchema,
    enabled: z.boolean(),
    disabledReason: z.string().nullable().describe('owner (you disabled it), delivery_failures, or owner_not_admin'),
    disabledAt: instant.nullable(),
    consecutiveFailures: z.number().int().describe('Deliveries that failed for good since the last success'),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: 'Webhook' });

export const webhookWithSecretSchema = webhookSchema
  .extend({ secret: z.string().describe('The signing secret. Shown only in this answer: store it now') })
  .meta({ id: 'WebhookWithSecret' });

export const deliverySchema = z
  .object({
    id: z.uuid(),
    webhookId: z.uuid(),
    eventId: z.uuid(),
    eventType: z.string(),
    status: deliveryStatusSchema,
    attempts: z.number().int(),
    lastError: z.string().nullable().describe("The latest failed attempt's error, kept after a later success"),
    responseStatus: z.number().int().nullable().describe('The HTTP status of the latest attempt; null when no answer came'),
    nextAttemptAt: instant.nullable(),
    lastAttemptAt: instant.nullable(),
    completedAt: instant.nullable(),
    createdAt: instant,
    resendOf: z.uuid().nullable().describe('The delivery this one resends'),
  })
  .meta({ id: 'WebhookDelivery' });

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

export function toWebhookView(row: EndpointRow): z.infer<typeof webhookSchema> {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    scope: row.scope,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    consecutiveFailures: row.consecutive_failures,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function toDeliveryView(row: DeliveryRow): z.infer<typeof deliverySchema> {
  return {
    id: row.id,
    webhookId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    responseStatus: row.response_status,
    nextAttemptAt: iso(row.next_attempt_at),
    lastAttemptAt: iso(row.last_attempt_at),
    completedAt: iso(row.completed_at),
    createdAt: row.created_at.toISOString(),
    resendOf: row.resend_of,
  };
}
