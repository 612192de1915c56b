import { createRequire } from 'node:module';
import type * as Amqplib from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Message, Options } from 'amqplib';
import type { Logger } from '../logger.js';
import { SUBSCRIPTIONS, type EventSubscription, type EventType, type Topology } from './catalog.js';
import { safeErrorMessage } from '../logging/errors.js';
import { decodeJson, type EventEnvelope } from './envelope.js';
import { checkSubscription, checkTopology, subscribedTypes } from './topology.js';
import { backoffDelay, type ConsumerHandle, type ConsumerRegistration, type EventTransport, type HandleOutcome } from './transport.js';

export interface AmqpTransportOptions {
  url: string;
  /** The topic exchange events are published to; every other name derives from it. */
  exchange?: string;
  /** Every consumer queue to declare and bind on connect, whether or not this process consumes it (default: the catalog's `SUBSCRIPTIONS`). */
  topology?: Topology | undefined;
  /** Messages a consumer may hold unacknowledged (they are handled one at a time, in order). */
  prefetch?: number;
  /** Handler attempts before a message goes to the consumer's dead-letter queue. */
  maxAttempts?: number;
  /** Delay before attempt n + 1 is `retryDelaysMs[n − 1]` (the last repeats). */
  retryDelaysMs?: readonly number[];
  /** The broker's own limit on redeliveries (a handler that crashes the process never gets to count). */
  deliveryLimit?: number;
  /** Back-off between reconnection attempts. */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** A publish the broker has not confirmed by then fails, and the relay retries it. */
  confirmTimeoutMs?: number;
  /** How long `open()` waits for the first connection before returning (reconnection goes on). */
  connectTimeoutMs?: number;
  /** Heartbeat interval (default 15 s, unless the URL sets one). */
  heartbeatSeconds?: number;
  connectionName?: string;
  log?: Logger | undefined;
}

export const DEFAULT_EXCHANGE = 'expensio.events';
const ATTEMPT_HEADER = 'x-expensio-attempt';
// Not `x-`: a headers exchange leaves x- headers out of its matching.
const DELAY_HEADER = 'expensio-retry-delay';
const QUORUM = { 'x-queue-type': 'quorum' } as const;

/** Every name the transport declares, derived from the exchange: what operators (and tests) look for. */
export function amqpNames(exchange: string) {
  return {
    exchange,
    /** Headers exchange routing retries to the delay queue of their delay. */
    retryExchange: `${exchange}.retry`,
    delayQueue: (ms: number) => `${exchange}.retry.${ms}ms`,
    queue: (consumer: string) => `${exchange}.${consumer}`,
    deadLetterQueue: (consumer: string) => `${exchange}.${consumer}.dlq`,
  };
}

interface ConsumerState {
  registration: ConsumerRegistration;
  channel: Channel | undefined;
  tag: string | undefined;
  /** Messages are handled one after another: per-consumer order, and PGlite's single connection. */
  tail: Promise<void>;
  cancelled: boolean;
}

/**
 * amqplib, loaded at the first connection rather than imported: with tracing on, the SDK has
 * started by then, so its instrumentation wraps amqplib's `connect` before amqplib keeps a
 * reference to it, and the broker's address appears on publish and delivery spans (ADR 0025).
 */
const amqplib = () => createRequire(import.meta.url)('amqplib') as typeof Amqplib;

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * RabbitMQ: one durable topic exchange, a quorum queue per consumer bound to its types, publisher
 * confirms, manual acks. Every process declares the whole topology (every consumer's queue and
 * bindings, its own or not) on connect, so an event published before its consumer ever started
 * waits in that consumer's queue. Events of a subscribed type go out `mandatory`: one the broker
 * returns found no queue, which the topology was meant to rule out, so it is logged as the bug it
 * is, its publish fails (the outbox keeps it) and the connection is rebuilt, declaring it all again. A failed message is re-published (confirmed) to a TTL delay queue that
 * dead-letters it back to its consumer's queue with its attempt count raised, then acked; after
 * `maxAttempts`, or at once when it cannot be read, it is re-published to the consumer's
 * dead-letter queue instead. The connection and channels are rebuilt whenever they drop, and every
 * consumer with them.
 */
export class AmqpTransport implements EventTransport {
  readonly kind = 'amqp' as const;
  readonly names: ReturnType<typeof amqpNames>;
  readonly topology: Topology;
  readonly #mandatory: ReadonlySet<EventType>;
  /** Ids of mandatory events the broker returned; their confirm, which follows the return, fails. */
  readonly #returned = new Set<string>();
  readonly #url: string;
  readonly #prefetch: number;
  readonly #maxAttempts: number;
  readonly #retryDelaysMs: readonly number[];
  readonly #deliveryLimit: number;
  readonly #reconnectInitialMs: number;
  readonly #reconnectMaxMs: number;
  readonly #confirmTimeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #heartbeatSeconds: number | undefined;
  readonly #connectionName: string;
  readonly #log: Logger | undefined;
  readonly #consumers = new Map<string, ConsumerState>();

  #model: ChannelModel | undefined;
  #publisher: ConfirmChannel | undefined;
  #opened = false;
  #closed = false;
  #connecting = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #connectedWaiters: (() => void)[] = [];
  #markOpen!: () => void;
  readonly #openGate = new Promise<void>((resolve) => {
    this.#markOpen = resolve;
  });

  constructor(options: AmqpTransportOptions) {
    this.#url = options.url;
    this.names = amqpNames(options.exchange ?? DEFAULT_EXCHANGE);
    this.topology = options.topology ?? SUBSCRIPTIONS;
    checkTopology(this.topology);
    this.#mandatory = subscribedTypes(this.topology);
    this.#prefetch = options.prefetch ?? 50;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retryDelaysMs = options.retryDelaysMs ?? [1_000, 5_000, 30_000, 120_000];
    if (this.#retryDelaysMs.length === 0 || this.#retryDelaysMs.some((ms) => !Number.isInteger(ms) || ms <= 0)) {
      throw new Error('retryDelaysMs needs at least one positive integer delay');
    }
    this.#deliveryLimit = options.deliveryLimit ?? 20;
    this.#reconnectInitialMs = options.reconnectInitialMs ?? 100;
    this.#reconnectMaxMs = options.reconnectMaxMs ?? 5_000;
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#heartbeatSeconds = options.heartbeatSeconds;
    this.#connectionName = options.connectionName ?? 'expensio';
    this.#log = options.log;
  }

  /** True while a connection, its publishing channel and every consumer are up. */
  get connected(): boolean {
    return this.#publisher !== undefined;
  }

  async open(): Promise<void> {
    if (this.#closed) throw new Error('The AMQP transport is closed');
    if (!this.#opened) {
      this.#opened = true;
      void this.#connect();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.whenConnected(), new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#connectTimeoutMs)))]);
    clearTimeout(timer);
    if (!this.connected) this.#log?.warn({ exchange: this.names.exchange }, 'RabbitMQ not reachable yet; events wait in the outbox until it is');
    this.#markOpen();
  }

  /** Resolves when `open()` returns: connected, or given up waiting (publishes then fail until the broker is back). */
  whenOpen(): Promise<void> {
    return this.#openGate;
  }

  /** Resolves when connected (now, or after the next successful reconnection). */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.#connectedWaiters.push(resolve));
  }

  async publish(envelope: EventEnvelope): Promise<void> {
    const channel = this.#publisher;
    if (channel === undefined) throw new Error('RabbitMQ is not connected');
    // A type nobody subscribes to is dropped by design: asking for its return would only be noise.
    const mandatory = this.#mandatory.has(envelope.type);
    await this.#confirmedPublish(channel, this.names.exchange, envelope.type, Buffer.from(JSON.stringify(envelope)), {
      mandatory,
      persistent: true,
      contentType: 'application/json',
      messageId: envelope.id,
      type: envelope.type,
      timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1_000),
      headers: { 'x-event-version': envelope.version },
    });
    if (mandatory && this.#returned.delete(envelope.id)) {
      // After its confirm, not on the return itself, so the confirm still arrives. A new connection declares the whole topology again.
      if (this.#model !== undefined) this.#abandon(this.#model);
      throw new Error(`RabbitMQ returned the event: no queue is bound to ${envelope.type}`);
    }
  }

  async consume(registration: ConsumerRegistration): Promise<ConsumerHandle> {
    if (this.#closed) throw new Error('The AMQP transport is closed');
    // Its queue is declared with the topology, and only there.
    checkSubscription(this.topology, registration.consumer, registration.types);
    if (this.#consumers.has(registration.consumer)) throw new Error(`Consumer "${registration.consumer}" is already subscribed`);
    const state: ConsumerState = { registration, channel: undefined, tag: undefined, tail: Promise.resolve(), cancelled: false };
    this.#consumers.set(registration.consumer, state);
    const model = this.#model;
    if (model !== undefined && this.connected) {
      try {
        await this.#startConsumer(model, state);
      } catch (error) {
        this.#log?.warn({ consumer: registration.consumer, err: error }, 'could not start consumer; reconnecting');
        this.#abandon(model);
      }
    }
    return { cancel: () => this.#cancel(state) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    await Promise.all([...this.#consumers.values()].map((state) => this.#cancel(state)));
    const model = this.#model;
    this.#model = undefined;
    this.#publisher = undefined;
    if (model !== undefined) await model.close().catch(() => undefined);
    this.#markOpen();
  }

  async #cancel(state: ConsumerState): Promise<void> {
    if (state.cancelled) return;
    state.cancelled = true;
    if (this.#consumers.get(state.registration.consumer) === state) this.#consumers.delete(state.registration.consumer);
    const { channel, tag } = state;
    if (channel !== undefined && tag !== undefined) await channel.cancel(tag).catch(() => undefined);
    await state.tail;
    if (channel !== undefined) await channel.close().catch(() => undefined);
    state.channel = undefined;
  }

  async #connect(): Promise<void> {
    if (this.#closed || this.#connecting || this.#model !== undefined) return;
    this.#connecting = true;
    let model: ChannelModel | undefined;
    const setup = { lost: false };
    try {
      const url = new URL(this.#url);
      // A wire that dies silently (no reset) is noticed after two missed heartbeats.
      if (this.#heartbeatSeconds !== undefined || !url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(this.#heartbeatSeconds ?? 15));
      model = await amqplib().connect(url.toString(), { clientProperties: { connection_name: this.#connectionName }, timeout: this.#connectTimeoutMs });
      const current = model;
      current.on('error', (error: Error) => this.#log?.warn({ err: error }, 'RabbitMQ connection error'));
      current.on('close', () => {
        setup.lost = true;
        if (this.#model === current) this.#onConnectionLost();
      });
      const publisher = await current.createConfirmChannel();
      publisher.on('error', (error: Error) => this.#log?.warn({ err: error }, 'RabbitMQ publishing channel error'));
      publisher.on('close', () => {
        if (this.#publisher === publisher) this.#abandon(current);
      });
      publisher.on('return', (message: Message) => {
        this.#onReturn(message);
      });
      this.#returned.clear();
      await this.#assertCore(publisher);
      // Consumers registered while this ran are picked up too, before the publisher is exposed.
      for (;;) {
        const pending = [...this.#consumers.values()].filter((state) => state.channel === undefined && !state.cancelled);
        if (pending.length === 0) break;
        for (const state of pending) await this.#startConsumer(current, state);
      }
      if (setup.lost || this.#isClosed()) throw new Error('connection closed during setup');
      this.#model = current;
      // Last: the relay publishes only once every consumer queue exists and is bound.
      this.#publisher = publisher;
      if (this.#failures > 0) this.#log?.info({ exchange: this.names.exchange }, 'RabbitMQ connection restored');
      this.#failures = 0;
      for (const resolve of this.#connectedWaiters.splice(0)) resolve();
    } catch (error) {
      this.#failures += 1;
      this.#log?.warn({ err: error, failures: this.#failures }, 'RabbitMQ connection attempt failed');
      for (const state of this.#consumers.values()) {
        state.channel = undefined;
        state.tag = undefined;
      }
      if (model !== undefined) await model.close().catch(() => undefined);
      this.#scheduleReconnect();
    } finally {
      this.#connecting = false;
    }
  }

  /** Read through a method: the flag changes while a connection attempt awaits. */
  #isClosed(): boolean {
    return this.#closed;
  }

  #onConnectionLost(): void {
    this.#model = undefined;
    this.#publisher = undefined;
    for (const state of this.#consumers.values()) {
      state.channel = undefined;
      state.tag = undefined;
    }
    if (this.#closed) return;
    this.#failures += 1;
    this.#log?.warn({ exchange: this.names.exchange }, 'RabbitMQ connection lost; reconnecting');
    this.#scheduleReconnect();
  }

  /** A channel died under a live connection: rebuild everything from a fresh connection. */
  #abandon(model: ChannelModel): void {
    if (this.#closed) return;
    void model.close().catch(() => undefined);
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer !== undefined) return;
    const delay = backoffDelay(this.#failures, this.#reconnectInitialMs, this.#reconnectMaxMs);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#connect();
    }, delay);
  }

  /** Type and id only: a payload never reaches the log. */
  #onReturn(message: Message): void {
    const eventId = message.properties.messageId as unknown;
    if (typeof eventId === 'string') this.#returned.add(eventId);
    this.#log?.error(
      { exchange: this.names.exchange, type: message.fields.routingKey, eventId },
      'RabbitMQ returned an event no queue is bound to: the declared topology is missing on the broker; redeclaring it',
    );
  }

  async #assertCore(channel: Channel): Promise<void> {
    const { exchange, retryExchange, delayQueue } = this.names;
    await channel.assertExchange(exchange, 'topic', { durable: true });
    await channel.assertExchange(retryExchange, 'headers', { durable: true });
    for (const ms of new Set(this.#retryDelaysMs)) {
      // Expired messages return through the default exchange to the queue named by their routing key.
      await channel.assertQueue(delayQueue(ms), {
        durable: true,
        arguments: { ...QUORUM, 'x-message-ttl': ms, 'x-dead-letter-exchange': '', 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' },
      });
      await channel.bindQueue(delayQueue(ms), retryExchange, '', { 'x-match': 'all', [DELAY_HEADER]: String(ms) });
    }
    for (const subscription of this.topology) await this.#assertConsumerQueue(channel, subscription);
  }

  /** Idempotent, with the same arguments in every process (a queue declared otherwise fails the declaration). */
  async #assertConsumerQueue(channel: Channel, { consumer, events }: EventSubscription): Promise<void> {
    const queue = this.names.queue(consumer);
    const dlq = this.names.deadLetterQueue(consumer);
    await channel.assertQueue(dlq, { durable: true, arguments: QUORUM });
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        ...QUORUM,
        'x-delivery-limit': this.#deliveryLimit,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': dlq,
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
    for (const type of events) await channel.bindQueue(queue, this.names.exchange, type);
  }

  async #startConsumer(model: ChannelModel, state: ConsumerState): Promise<void> {
    if (state.cancelled) return;
    const { consumer } = state.registration;
    const queue = this.names.queue(consumer);
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => this.#log?.warn({ consumer, err: error }, 'RabbitMQ consumer channel error'));
    channel.on('close', () => {
      if (state.channel === channel && !state.cancelled) this.#abandon(model);
    });
    await channel.prefetch(this.#prefetch);
    state.channel = channel;
    const { consumerTag } = await channel.consume(queue, (message) => {
      this.#receive(model, state, channel, message);
    });
    state.tag = consumerTag;
    // Cancelled while the channel was being set up.
    if (isCancelled(state)) {
      await channel.cancel(consumerTag).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  }

  #receive(model: ChannelModel, state: ConsumerState, channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (its queue was deleted): redeclare everything.
      if (!state.cancelled) this.#abandon(model);
      return;
    }
    state.tail = state.tail
      .then(() => this.#process(state, channel, message))
      .catch((error: unknown) => {
        this.#log?.error({ consumer: state.registration.consumer, err: error }, 'event processing failed');
      });
  }

  async #process(state: ConsumerState, channel: Channel, message: ConsumeMessage): Promise<void> {
    // A message from a channel that has since closed will come again on the new one.
    if (state.channel !== channel) return;
    const { consumer } = state.registration;
    const attempt = attemptOf(message);
    const decoded = decodeJson(message.content);
    const outcome: HandleOutcome = decoded.ok ? await state.registration.handle(decoded.value) : { status: 'rejected', error: new Error(decoded.reason) };
    try {
      switch (outcome.status) {
        case 'processed':
        case 'duplicate':
        case 'ignored':
          break;
        case 'rejected':
          await this.#deadLetter(consumer, message, outcome.error, attempt);
          state.registration.deadLettered?.();
          break;
        case 'failed':
          if (attempt >= this.#maxAttempts) {
            await this.#deadLetter(consumer, message, outcome.error, attempt);
            state.registration.deadLettered?.();
          } else {
            await this.#retry(consumer, message, attempt);
          }
          break;
      }
    } catch (error) {
      // The copy was not confirmed: keep the original, which the broker hands out again.
      this.#log?.warn({ consumer, err: error }, 'could not re-route a failed event; leaving it to redelivery');
      try {
        channel.nack(message, false, true);
      } catch {
        // The channel is gone; the broker requeues what it had not seen acknowledged.
      }
      return;
    }
    try {
      channel.ack(message);
    } catch {
      // The channel closed after the effect committed: the broker redelivers, and the inbox turns it into a no-op.
    }
  }

  async #retry(consumer: string, message: ConsumeMessage, attempt: number): Promise<void> {
    const delay = this.#retryDelaysMs[Math.min(attempt, this.#retryDelaysMs.length) - 1] ?? this.#reconnectMaxMs;
    await this.#republish(this.names.retryExchange, this.names.queue(consumer), message, {
      [ATTEMPT_HEADER]: attempt + 1,
      [DELAY_HEADER]: String(delay),
    });
  }

  async #deadLetter(consumer: string, message: ConsumeMessage, error: Error, attempt: number): Promise<void> {
    this.#log?.error({ consumer, messageId: message.properties.messageId as unknown, attempt, err: error }, 'event dead-lettered');
    await this.#republish('', this.names.deadLetterQueue(consumer), message, {
      [ATTEMPT_HEADER]: attempt,
      'x-expensio-consumer': consumer,
      'x-expensio-error': safeErrorMessage(error).slice(0, 1_000),
      'x-expensio-dead-lettered-at': new Date().toISOString(),
    });
  }

  /** A confirmed copy of the message with fresh headers (the broker's x-death history left behind). */
  async #republish(exchange: string, routingKey: string, message: ConsumeMessage, headers: Record<string, unknown>): Promise<void> {
    const channel = this.#publisher;
    if (channel === undefined) throw new Error('RabbitMQ is not connected');
    const { properties } = message;
    const original = (properties.headers ?? {}) as Record<string, unknown>;
    await this.#confirmedPublish(channel, exchange, routingKey, message.content, {
      persistent: true,
      contentType: properties.contentType as string | undefined,
      messageId: properties.messageId as string | undefined,
      type: properties.type as string | undefined,
      timestamp: properties.timestamp as number | undefined,
      headers: { ...('x-event-version' in original && { 'x-event-version': original['x-event-version'] }), ...headers },
    });
  }

  #confirmedPublish(channel: ConfirmChannel, exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`RabbitMQ did not confirm within ${this.#confirmTimeoutMs} ms`));
      }, this.#confirmTimeoutMs);
      try {
        channel.publish(exchange, routingKey, content, options, (error: unknown) => {
          clearTimeout(timer);
          if (error === null || error === undefined) resolve();
          else reject(asError(error));
        });
      } catch (error) {
        clearTimeout(timer);
        reject(asError(error));
      }
    });
  }
}

function isCancelled(state: ConsumerState): boolean {
  return state.cancelled;
}

function attemptOf(message: ConsumeMessage): number {
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  const value = Number(headers[ATTEMPT_HEADER] ?? 1);
  return Number.isInteger(value) && value >= 1 ? value : 1;
}
