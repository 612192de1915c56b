import type { Logger } from '../logger.js';
import { SUBSCRIPTIONS, type Topology } from './catalog.js';
import { safeErrorMessage } from '../logging/errors.js';
import type { EventEnvelope } from './envelope.js';
import { checkTopology } from './topology.js';
import type { ConsumerHandle, ConsumerRegistration, EventTransport } from './transport.js';

export interface InProcessTransportOptions {
  /** Handler attempts before an event is dead-lettered into the consumer's inbox. */
  maxAttempts?: number;
  /** What consumers are checked against (default: the catalog's `SUBSCRIPTIONS`). */
  topology?: Topology | undefined;
  log?: Logger | undefined;
}

interface Subscriber {
  registration: ConsumerRegistration;
  /**
   * A stopped consumer stays known, as a durable queue would: events for it fail to deliver and
   * wait in the outbox until it subscribes again (or the process ends), instead of passing it by.
   */
  stopped: boolean;
  /** Deliveries to one consumer run one at a time, in the order they were handed over. */
  tail: Promise<unknown>;
}

/**
 * The embedded transport: the relay hands it an event, it runs every matching consumer, and it
 * confirms only when each one has committed the event (or dead-lettered it). A consumer that fails
 * fails the publish, so the outbox row stays pending and the relay retries it with back-off; the
 * consumers that already succeeded skip it through their inbox. Nothing lives only in memory, so a
 * process that dies mid-delivery loses nothing.
 *
 * The topology only checks subscriptions here: one process holds every consumer it will ever have,
 * so a declared consumer that never subscribes is one this process does not run, not one to wait for.
 */
export class InProcessTransport implements EventTransport {
  readonly kind = 'in-process' as const;
  readonly topology: Topology;
  readonly #subscribers = new Map<string, Subscriber>();
  readonly #maxAttempts: number;
  readonly #log: Logger | undefined;
  #closed = false;
  #open!: () => void;
  readonly #opened = new Promise<void>((resolve) => {
    this.#open = resolve;
  });

  constructor(options: InProcessTransportOptions = {}) {
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.topology = options.topology ?? SUBSCRIPTIONS;
    checkTopology(this.topology);
    this.#log = options.log;
  }

  async open(): Promise<void> {
    this.#open();
  }

  whenOpen(): Promise<void> {
    return this.#opened;
  }

  async publish(envelope: EventEnvelope, attempt: number): Promise<void> {
    if (this.#closed) throw new Error('The in-process transport is closed');
    // Consumers read what a broker would hand them: JSON, not the publisher's objects.
    const wire = JSON.parse(JSON.stringify(envelope)) as unknown;
    const targets = [...this.#subscribers.values()].filter((s) => s.registration.types.includes(envelope.type));
    const errors = await Promise.all(targets.map((subscriber) => this.#enqueue(subscriber, () => this.#deliver(subscriber, wire, attempt))));
    const failures = errors.filter((error): error is string => error !== undefined);
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  async consume(registration: ConsumerRegistration): Promise<ConsumerHandle> {
    if (this.#closed) throw new Error('The in-process transport is closed');
    const previous = this.#subscribers.get(registration.consumer);
    if (previous !== undefined && !previous.stopped) throw new Error(`Consumer "${registration.consumer}" is already subscribed`);
    const subscriber: Subscriber = { registration, stopped: false, tail: previous?.tail ?? Promise.resolve() };
    this.#subscribers.set(registration.consumer, subscriber);
    return {
      cancel: async () => {
        subscriber.stopped = true;
        await subscriber.tail;
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#open();
    const subscribers = [...this.#subscribers.values()];
    for (const subscriber of subscribers) subscriber.stopped = true;
    await Promise.all(subscribers.map((s) => s.tail));
  }

  #enqueue<T>(subscriber: Subscriber, work: () => Promise<T>): Promise<T> {
    const run = subscriber.tail.then(work);
    subscriber.tail = run.catch(() => undefined);
    return run;
  }

  /** Returns the reason the event must be retried, or nothing when this consumer is done with it. */
  async #deliver(subscriber: Subscriber, wire: unknown, attempt: number): Promise<string | undefined> {
    const { registration } = subscriber;
    if (subscriber.stopped) return `${registration.consumer}: consumer is stopped`;
    try {
      const outcome = await registration.handle(wire);
      switch (outcome.status) {
        case 'processed':
        case 'duplicate':
        case 'ignored':
          return undefined;
        case 'rejected':
          await registration.deadLetter(wire, outcome.error, attempt);
          return undefined;
        case 'failed':
          if (attempt >= this.#maxAttempts) {
            this.#log?.error({ consumer: registration.consumer, attempt, err: outcome.error }, 'event dead-lettered after repeated failures');
            await registration.deadLetter(wire, outcome.error, attempt);
            return undefined;
          }
          return `${registration.consumer}: ${safeErrorMessage(outcome.error)}`;
      }
    } catch (error) {
      // Recording the dead letter failed (the database is down): keep the event pending.
      return `${registration.consumer}: ${safeErrorMessage(error)}`;
    }
  }
}
