import { z } from 'zod';
import type { Clock } from '../clock.js';
import { newId } from '../ids.js';
import { currentTraceContext, type TraceCarrier } from '../tracing/context.js';
import { EVENT_VERSIONS, EventMap, isEventType, type EventPayload, type EventType } from './catalog.js';

/** What travels on every transport (and to webhooks): the same JSON whatever carries it. */
export interface EventEnvelope<K extends EventType = EventType> {
  id: string;
  type: K;
  version: number;
  /** ISO 8601 instant, with offset. */
  occurredAt: string;
  /** The user the event is about; null when there is none (a failed login for an unknown email). */
  userId: string | null;
  payload: EventPayload<K>;
  /**
   * The trace that published the event (W3C Trace Context), when the publisher was traced: its
   * consumers' spans join that trace. Never sent to webhooks.
   */
  traceContext?: TraceCarrier;
}

/** A union of envelopes, one member per type, so `switch (event.type)` narrows the payload. */
export type AnyEventEnvelope<K extends EventType = EventType> = { [T in K]: EventEnvelope<T> }[K];

/** Thrown on publish: the caller built an event its own schema refuses (a bug, not bad input). */
export class EventValidationError extends Error {
  constructor(
    message: string,
    readonly issues: readonly z.core.$ZodIssue[] = [],
  ) {
    super(message);
    this.name = 'EventValidationError';
  }
}

const envelopeShape = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  userId: z.uuid().nullable(),
  payload: z.unknown(),
  // Telemetry must never cost an event: an unreadable trace context is dropped, not dead-lettered.
  traceContext: z
    .object({ traceparent: z.string().max(256), tracestate: z.string().max(512).optional() })
    .optional()
    .catch(undefined),
});

function describe(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

export function buildEnvelope<K extends EventType>(type: K, userId: string | null, payload: EventPayload<K>, clock: Clock): EventEnvelope<K> {
  if (!isEventType(type)) throw new EventValidationError(`Unknown event type "${String(type)}"`);
  const parsed = EventMap[type].safeParse(payload);
  if (!parsed.success) throw new EventValidationError(`Invalid ${type} payload: ${describe(parsed.error.issues)}`, parsed.error.issues);
  const traceContext = currentTraceContext();
  const envelope = {
    id: newId(),
    type,
    version: EVENT_VERSIONS[type],
    occurredAt: clock.now().toISOString(),
    userId,
    payload: parsed.data as EventPayload<K>,
    // From the active span: inside a request, the event joins the request's trace.
    ...(traceContext && { traceContext }),
  };
  const shape = envelopeShape.safeParse(envelope);
  if (!shape.success) throw new EventValidationError(`Invalid ${type} envelope: ${describe(shape.error.issues)}`, shape.error.issues);
  return envelope;
}

export type ParsedEnvelope = { ok: true; envelope: AnyEventEnvelope } | { ok: false; reason: string };

/**
 * Validates whatever arrived (already JSON-decoded) as an envelope of a known type and version.
 * A refusal is final: the same bytes will never pass, so the caller dead-letters them at once.
 */
export function parseEnvelope(raw: unknown): ParsedEnvelope {
  const shape = envelopeShape.safeParse(raw);
  if (!shape.success) return { ok: false, reason: `malformed envelope: ${describe(shape.error.issues)}` };
  const { type, version } = shape.data;
  if (!isEventType(type)) return { ok: false, reason: `unknown event type "${type}"` };
  if (version !== EVENT_VERSIONS[type]) return { ok: false, reason: `unsupported version ${version} of ${type} (this consumer reads ${EVENT_VERSIONS[type]})` };
  const payload = EventMap[type].safeParse(shape.data.payload);
  if (!payload.success) return { ok: false, reason: `invalid ${type} payload: ${describe(payload.error.issues)}` };
  const { traceContext, ...fields } = shape.data;
  return { ok: true, envelope: { ...fields, type, payload: payload.data, ...(traceContext && { traceContext }) } as AnyEventEnvelope };
}

/** The envelope as raw JSON for a transport; parsing it back goes through `parseEnvelope`. */
export function decodeJson(bytes: Buffer | string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8')) as unknown };
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
}
