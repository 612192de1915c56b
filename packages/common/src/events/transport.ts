import type { EventEnvelope } from './envelope.js';
import type { EventType, Topology } from './catalog.js';

/** What a consumer made of one message. */
export type HandleOutcome =
  /** Its effect is committed, now or by an earlier delivery (`duplicate`). */
  | { status: 'processed' | 'duplicate' }
  /** Not a type this consumer takes (a binding left from an older version of it): acknowledged, nothing run. */
  | { status: 'ignored' }
  /** The handler threw: worth another attempt, later. */
  | { status: 'failed'; error: Error }
  /** The message can never be processed (malformed, unknown type or version): dead-letter it at once. */
  | { status: 'rejected'; error: Error };

/** A named consumer as the bus hands it to a transport. */
export interface ConsumerRegistration {
  consumer: string;
  types: readonly EventType[];
  /** Validates the decoded message and runs the handler exactly once per event id. */
  handle(message: unknown): Promise<HandleOutcome>;
  /** Keeps a message the transport gave up on, where the transport has no dead-letter queue of its own. */
  deadLetter(message: unknown, error: Error, attempts: number): Promise<void>;
  /** Told when the transport moved a message to a dead-letter queue of its own (RabbitMQ), for metrics. */
  deadLettered?(): void;
}

export interface ConsumerHandle {
  /** Stops taking messages and waits for the one in hand. */
  cancel(): Promise<void>;
}

/**
 * Carries envelopes from the relay to consumers. `publish` resolves only once the transport has
 * taken responsibility for the event (a broker's confirm; in-process, every consumer done with it):
 * until then the outbox row stays pending.
 */
export interface EventTransport {
  readonly kind: 'in-process' | 'amqp';
  /** Every consumer queue of every service and its types: consumers must match their entry. */
  readonly topology: Topology;
  /**
   * Starts delivering: relays wait for it, so every bus of the process can register its consumers
   * first and no event reaches the transport before the consumers it is meant for.
   */
  open(): Promise<void>;
  /** Resolves once `open()` has been called (and, for a broker, the first connection is up). */
  whenOpen(): Promise<void>;
  /** `attempt` is 1 for the first try of this outbox row, then counts up with each retry. */
  publish(envelope: EventEnvelope, attempt: number): Promise<void>;
  consume(registration: ConsumerRegistration): Promise<ConsumerHandle>;
  /** Stops every consumer and lets go of connections. */
  close(): Promise<void>;
}

export { backoffDelay } from '../backoff.js';
