import { context, SpanKind, trace } from '@opentelemetry/api';
import type { Insertable, Kysely, Transaction } from 'kysely';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { safeErrorMessage } from '../logging/errors.js';
import { isEventType, type EventPayload, type EventType } from './catalog.js';
import { buildEnvelope, parseEnvelope, type AnyEventEnvelope, type EventEnvelope } from './envelope.js';
import { consumeOnce, recordDeadLetter } from './inbox.js';
import { OutboxRelay, type RelayOptions } from './relay.js';
import type { EventTables, OutboxTable } from './tables.js';
import { contextFrom, inSpan, recordFailure, tracer } from '../tracing/context.js';
import { messagingAttributes } from '../tracing/messaging.js';
import { checkConsumerName, checkSubscription } from './topology.js';
import type { ConsumerHandle, ConsumerRegistration, EventTransport, HandleOutcome } from './transport.js';

/**
 * Runs inside the transaction that records the event in the consumer's inbox: write through `trx`
 * and the effect lands exactly once; throw and nothing of it lands, and the event comes back later.
 */
export type EventHandler<DB, K extends EventType> = (event: AnyEventEnvelope<K>, trx: Transaction<DB>) => Promise<void>;

export interface EventBus<DB> {
  /**
   * Records the event in the outbox through the caller's transaction: it is delivered if and only
   * if that transaction commits. Returns the envelope as it will travel.
   */
  publish<K extends EventType>(trx: Transaction<DB>, type: K, userId: string | null, payload: EventPayload<K>): Promise<EventEnvelope<K>>;
  /**
   * The event as `publish` would record it (validated, in the active trace), for a writer that
   * inserts the outbox row inside a statement of its own (a data-modifying CTE) so the change and
   * its event still commit together. Call `wake()` once that statement has run (or its transaction committed).
   */
  stage<K extends EventType>(type: K, userId: string | null, payload: EventPayload<K>): StagedEvent<K>;
  /**
   * Tells the relay that staged rows are in the outbox, so it need not wait for its next poll;
   * `committed` when the statement or transaction holding them has committed already.
   */
  wake(committed: boolean): void;
  /**
   * A named, durable consumer: it receives every event of these types published while it was away
   * (or before it ever started), and its handler's effect lands once per event. The name and types
   * must be exactly those of its entry in the transport's topology. Call it before `start()`.
   */
  subscribe<K extends EventType>(consumer: string, types: readonly K[], handler: EventHandler<DB, K>): void;
  /** Registers the consumers with the transport and starts the relay (which waits for `transport.open()`). */
  start(): Promise<void>;
  /** Stops the relay and the consumers, letting the work in hand finish. The transport stays open. */
  stop(): Promise<void>;
  /** This service's relay; undefined when the bus was built with `relay: false`. */
  readonly relay: OutboxRelay | undefined;
}

/**
 * The outbox row of an envelope, for a writer that records it inside a statement of its own (a
 * data-modifying CTE) instead of through `publish` (see `stage`).
 */
export function outboxValues(envelope: EventEnvelope): Insertable<OutboxTable> {
  return {
    id: envelope.id,
    type: envelope.type,
    version: envelope.version,
    user_id: envelope.userId,
    occurred_at: envelope.occurredAt,
    payload: JSON.stringify(envelope.payload),
    ...(envelope.traceContext && { trace_context: JSON.stringify(envelope.traceContext) }),
  };
}

export interface StagedEvent<K extends EventType = EventType> {
  envelope: EventEnvelope<K>;
  /** The outbox row: every column a writer inserts. */
  row: Insertable<OutboxTable>;
}

export interface EventBusOptions<DB> {
  /** The service's own database, bound to its schema: the outbox and inbox live there. */
  db: Kysely<DB>;
  /** Shared by every bus of a process (so in-process events cross services). */
  transport: EventTransport;
  clock?: Clock;
  log?: Logger | undefined;
  /** Relay settings, or false for a process that only consumes (another replica relays). */
  relay?: RelayOptions | false;
}

interface Registered {
  registration: ConsumerRegistration;
  handle: ConsumerHandle | undefined;
}

export function createEventBus<DB>(options: EventBusOptions<DB>): EventBus<DB> {
  const { db, transport, log } = options;
  const clock = options.clock ?? systemClock;
  const relay = options.relay === false ? undefined : new OutboxRelay(db, transport, { ...options.relay, log: options.relay?.log ?? log });
  const subscriptions = new Map<string, Registered>();
  let started = false;

  const registrationFor = <K extends EventType>(consumer: string, types: readonly K[], handler: EventHandler<DB, K>): ConsumerRegistration => ({
    consumer,
    types,
    handle: async (message: unknown): Promise<HandleOutcome> => {
      const parsed = parseEnvelope(message);
      if (!parsed.ok) {
        log?.warn({ consumer, reason: parsed.reason }, 'rejected an unreadable event');
        return { status: 'rejected', error: new Error(parsed.reason) };
      }
      const envelope = parsed.envelope;
      if (!(types as readonly EventType[]).includes(envelope.type)) return { status: 'ignored' };
      // A child of the relay's send span, however the event travelled (ADR 0023).
      return inSpan(
        `process ${envelope.type}`,
        { kind: SpanKind.CONSUMER, attributes: messagingAttributes(transport, envelope, 'process', consumer) },
        contextFrom(envelope.traceContext),
        async (span) => {
          try {
            const status = await consumeOnce(db, consumer, envelope, (trx) => handler(envelope as AnyEventEnvelope<K>, trx));
            span.setAttribute('expensio.consume.outcome', status);
            return { status };
          } catch (error) {
            const err = error instanceof Error ? error : new Error(String(error));
            recordFailure(span, err);
            log?.warn({ consumer, eventId: envelope.id, type: envelope.type, err }, 'event handler failed');
            return { status: 'failed', error: err };
          }
        },
      );
    },
    deadLetter: async (message: unknown, error: Error, attempts: number) => {
      const fields = (typeof message === 'object' && message !== null ? message : {}) as { id?: unknown; type?: unknown };
      const eventId = typeof fields.id === 'string' ? fields.id : '';
      const eventType = typeof fields.type === 'string' ? fields.type : '';
      log?.error({ consumer, eventId, type: eventType, attempts, err: error }, 'event dead-lettered');
      if (!/^[0-9a-f-]{36}$/i.test(eventId)) return; // Nothing to key it by; the log line above is all that can be kept.
      await recordDeadLetter(db as unknown as Kysely<EventTables>, { consumer, eventId, eventType, error: safeErrorMessage(error), envelope: message });
    },
  });

  function stage<K extends EventType>(type: K, userId: string | null, payload: EventPayload<K>): StagedEvent<K> {
    const span = tracer().startSpan(`create ${type}`, {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.operation.type': 'create', 'messaging.destination.name': type },
    });
    try {
      // Built inside the span, so the outbox row carries it as the parent of the relay's send.
      const envelope = context.with(trace.setSpan(context.active(), span), () => buildEnvelope(type, userId, payload, clock));
      span.setAttribute('messaging.message.id', envelope.id);
      return { envelope, row: outboxValues(envelope) };
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  return {
    relay,

    async publish(trx, type, userId, payload) {
      // Typed as a transaction, but a caller in plain JavaScript (or through a cast) may hand in the pool.
      if (!(trx as Kysely<DB>).isTransaction) throw new Error('EventBus.publish needs the transaction of the change the event describes');
      const { envelope, row } = stage(type, userId, payload);
      await (trx as unknown as Transaction<EventTables>).insertInto('outbox').values(row).execute();
      relay?.wake();
      return envelope;
    },

    stage,

    wake(committed) {
      relay?.wake(committed);
    },

    subscribe(consumer, types, handler) {
      if (started) throw new Error(`Subscribe "${consumer}" before the bus starts`);
      checkConsumerName(consumer);
      if (subscriptions.has(consumer)) throw new Error(`Consumer "${consumer}" is already subscribed`);
      if (types.length === 0) throw new Error(`Consumer "${consumer}" subscribes to no event type`);
      for (const type of types) if (!isEventType(type)) throw new Error(`Consumer "${consumer}" subscribes to unknown event type "${String(type)}"`);
      const unique = [...new Set(types)];
      checkSubscription(transport.topology, consumer, unique);
      const subscription: Registered = { registration: registrationFor(consumer, unique, handler), handle: undefined };
      subscriptions.set(consumer, subscription);
    },

    async start() {
      if (started) return;
      started = true;
      for (const subscription of subscriptions.values()) subscription.handle = await transport.consume(subscription.registration);
      relay?.start();
    },

    async stop() {
      if (!started) return;
      started = false;
      await relay?.stop();
      for (const subscription of subscriptions.values()) {
        await subscription.handle?.cancel();
        subscription.handle = undefined;
      }
    },
  };
}
