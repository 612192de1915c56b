import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { sql, type Kysely, type Transaction } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AmqpTransport,
  OutboxRelay,
  buildEnvelope,
  createEventBus,
  createLogger,
  eventTablesMigration,
  outboxTraceContextMigration,
  loggerOptions,
  migrateUp,
  newId,
  systemClock,
  type AmqpTransportOptions,
  type Database,
  type EventBus,
  type EventEnvelope,
  type EventTables,
  type RelayOptions,
  type Topology,
} from '@expensio/common';
import { TcpProxy, openTestDatabase, sampleTransactionCreated } from '@expensio/common/testing';

const AMQP_URL = process.env.TEST_AMQP_URL ?? '';

interface TestTables extends EventTables {
  effects: { consumer: string; event_id: string; n: number };
  notes: { id: string; body: string };
}
type TestDb = Kysely<TestTables>;

const RUN = randomBytes(4).toString('hex');
const RETRY_DELAYS = [50, 100];
const log = process.env.EVENTS_TEST_LOG === '1' ? createLogger('debug', 'events-test') : undefined;
const FAST_RELAY: RelayOptions = { pollIntervalMs: 20, retryBaseMs: 20, retryMaxMs: 200 };
const WAIT = { timeout: 10_000, interval: 20 };
/** The consumers of these tests, declared by every transport that shares their exchange. */
const TX: Topology = [{ consumer: 'finance.tx', events: ['transaction.created'] }];

let database: Database;
let admin: ChannelModel;
let adminChannel: Channel;
const cleanups: (() => Promise<void>)[] = [];
let exchangeCount = 0;

describe.runIf(AMQP_URL !== '')('event bus over RabbitMQ', () => {
  beforeAll(async () => {
    database = await openTestDatabase();
    admin = await connect(AMQP_URL);
    adminChannel = await admin.createChannel();
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await admin.close();
    await database.close();
  });

  it("carries an event from one service to another service's consumer, once", async () => {
    const exchange = newExchange();
    const finance = await serviceSchema();
    const identity = await serviceSchema();
    const topology: Topology = [{ consumer: 'finance.users', events: ['user.registered', 'user.deleted'] }];
    const financeTransport = transport({ url: AMQP_URL, exchange, topology });
    const identityTransport = transport({ url: AMQP_URL, exchange, topology });
    const consumerBus = createEventBus({ db: finance, transport: financeTransport, relay: false, log });
    const received: EventEnvelope[] = [];
    consumerBus.subscribe('finance.users', ['user.registered', 'user.deleted'], async (event, trx) => {
      received.push(event);
      await applyEffect(trx, 'finance.users', event.id);
    });
    await consumerBus.start();
    await financeTransport.open();
    const publisherBus = createEventBus({ db: identity, transport: identityTransport, relay: FAST_RELAY, log });
    await publisherBus.start();
    await identityTransport.open();

    const userId = randomUUID();
    const envelope = await identity
      .transaction()
      .execute((trx) => publisherBus.publish(trx, 'user.registered', userId, { email: 'ada@example.com', name: 'Ada', role: 'user' }));
    await vi.waitFor(async () => {
      expect(await effects(finance, 'finance.users')).toEqual(new Map([[envelope.id, 1]]));
    }, WAIT);
    expect(received).toEqual([envelope]);
    await vi.waitFor(async () => {
      expect(await pendingOutbox(identity)).toBe(0);
    }, WAIT);

    await publisherBus.stop();
    await consumerBus.stop();
    await identityTransport.close();
    await financeTransport.close();
  });

  it('keeps an event published before its consumer ever started, and delivers it when the consumer starts', async () => {
    const exchange = newExchange();
    const topology: Topology = [{ consumer: 'finance.late', events: ['transaction.created'] }];
    // Only the producing service runs: it declares the consumer's queue, which receives the event.
    const producerDb = await serviceSchema();
    const producerTransport = transport({ url: AMQP_URL, exchange, topology });
    const producer = createEventBus({ db: producerDb, transport: producerTransport, relay: FAST_RELAY, log });
    await producer.start();
    await producerTransport.open();
    const envelope = await publishNote(producer, producerDb);
    await vi.waitFor(async () => {
      expect(await pendingOutbox(producerDb)).toBe(0);
    }, WAIT);
    await producer.stop();
    await producerTransport.close();

    const consumerDb = await serviceSchema();
    const consumerTransport = transport({ url: AMQP_URL, exchange, topology });
    const consumer = createEventBus({ db: consumerDb, transport: consumerTransport, relay: false, log });
    const handled: string[] = [];
    consumer.subscribe('finance.late', ['transaction.created'], async (event, trx) => {
      handled.push(event.id);
      await applyEffect(trx, 'finance.late', event.id);
    });
    await consumer.start();
    await consumerTransport.open();
    await vi.waitFor(async () => {
      expect(await effects(consumerDb, 'finance.late')).toEqual(new Map([[envelope.id, 1]]));
    }, WAIT);
    expect(handled).toEqual([envelope.id]);
    await consumer.stop();
    await consumerTransport.close();
  });

  it('logs an event the broker returns by type and id only, keeps it in the outbox and declares the topology again', async () => {
    const lines: string[] = [];
    const capture = pino(loggerOptions('info', 'events-test'), {
      write: (line: string) => {
        lines.push(line);
      },
    });
    const db = await serviceSchema();
    const amqp = transport({ url: AMQP_URL, exchange: newExchange(), topology: TX, log: capture });
    const bus = createEventBus({ db, transport: amqp, relay: FAST_RELAY, log: capture });
    await bus.start();
    await amqp.open();
    // An operator deletes the queue: no consumer is on it, so nothing tells the transport.
    await adminChannel.deleteQueue(amqp.names.queue('finance.tx'));

    const canary = `canary-${randomBytes(6).toString('hex')}`;
    const envelope = await db
      .transaction()
      .execute((trx) => bus.publish(trx, 'transaction.created', randomUUID(), sampleTransactionCreated({ description: canary })));
    // Confirmed only once the rebuilt connection has declared the queue again, and the retry reached it.
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);
    const delivered = await nextMessage(amqp.names.queue('finance.tx'));
    expect(delivered.properties.messageId).toBe(envelope.id);

    const returned = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.eventId === envelope.id && entry.level === 50);
    expect(returned).toHaveLength(1);
    expect(returned[0]).toMatchObject({ type: 'transaction.created', msg: expect.stringMatching(/returned an event no queue is bound to/) });
    expect(lines.join('\n')).not.toContain(canary);
    const row = await db.selectFrom('outbox').select(['attempts']).where('id', '=', envelope.id).executeTakeFirstOrThrow();
    expect(row.attempts).toBeGreaterThanOrEqual(2);

    // A type no consumer takes is meant to go nowhere: it is confirmed, and nothing is logged.
    const errorsBefore = lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50).length;
    await amqp.publish(
      buildEnvelope(
        'goal.completed',
        randomUUID(),
        { goalId: randomUUID(), name: 'Bike', saved: '10.00', target: '10.00', currency: 'EUR', completedAt: new Date().toISOString() },
        systemClock,
      ),
    );
    expect(lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50)).toHaveLength(errorsBefore);
    await bus.stop();
    await amqp.close();
  });

  it('publishes nothing for a rolled-back change, and delivers what was published while no relay ran once one starts', async () => {
    const { db, amqp, bus, handled } = await recordingConsumer(false);

    await expect(
      db.transaction().execute(async (trx) => {
        await bus.publish(trx, 'transaction.created', randomUUID(), created());
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await publishNote(bus, db)).id);
    expect(await pendingOutbox(db)).toBe(3);

    const relay = new OutboxRelay(db, amqp, FAST_RELAY);
    relay.start();
    await vi.waitFor(() => {
      expect(handled).toEqual(ids);
    }, WAIT);
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);
    await relay.stop();
    await bus.stop();
    await amqp.close();
  });

  it('gives a redelivered event no second effect', async () => {
    const exchange = newExchange();
    const db = await serviceSchema();
    const amqp = transport({ url: AMQP_URL, exchange, topology: TX });
    const bus = createEventBus({ db, transport: amqp, relay: FAST_RELAY, log });
    const handler = vi.fn(async (event: EventEnvelope, trx: Transaction<TestTables>) => applyEffect(trx, 'finance.tx', event.id));
    bus.subscribe('finance.tx', ['transaction.created'], handler);
    await bus.start();
    await amqp.open();
    const envelope = await publishNote(bus, db);
    await vi.waitFor(() => {
      expect(handler).toHaveBeenCalledTimes(1);
    }, WAIT);

    // The broker hands the same event over again (a lost ack, a relay that died before marking the row).
    await amqp.publish(envelope);
    await amqp.publish(envelope);
    const marker = await publishNote(bus, db);
    await vi.waitFor(async () => {
      expect((await effects(db, 'finance.tx')).has(marker.id)).toBe(true);
    }, WAIT);
    expect(handler).toHaveBeenCalledTimes(2);
    expect(await effects(db, 'finance.tx')).toEqual(
      new Map([
        [envelope.id, 1],
        [marker.id, 1],
      ]),
    );
    await bus.stop();
    await amqp.close();
  });

  it('retries a failing handler through the delay queues, and its effect lands once it succeeds', async () => {
    const exchange = newExchange();
    const db = await serviceSchema();
    const amqp = transport({ url: AMQP_URL, exchange, maxAttempts: 3, retryDelaysMs: RETRY_DELAYS, topology: TX });
    const bus = createEventBus({ db, transport: amqp, relay: FAST_RELAY, log });
    const times: number[] = [];
    bus.subscribe('finance.tx', ['transaction.created'], async (event, trx) => {
      times.push(Date.now());
      await applyEffect(trx, 'finance.tx', event.id);
      if (times.length < 3) throw new Error(`flaky ${times.length}`);
    });
    await bus.start();
    await amqp.open();
    const envelope = await publishNote(bus, db);
    await vi.waitFor(async () => {
      expect(await effects(db, 'finance.tx')).toEqual(new Map([[envelope.id, 1]]));
    }, WAIT);
    expect(times).toHaveLength(3);
    const [first = 0, second = 0, third = 0] = times;
    // Each retry waited out its delay queue's TTL (the broker may expire a little late, never early).
    expect(second - first).toBeGreaterThanOrEqual(45);
    expect(third - second).toBeGreaterThanOrEqual(95);
    expect((await adminChannel.checkQueue(amqp.names.deadLetterQueue('finance.tx'))).messageCount).toBe(0);
    await bus.stop();
    await amqp.close();
  });

  it('sends an event whose handler fails N times to the dead-letter queue', async () => {
    const exchange = newExchange();
    const db = await serviceSchema();
    const amqp = transport({ url: AMQP_URL, exchange, maxAttempts: 3, retryDelaysMs: RETRY_DELAYS, topology: TX });
    const bus = createEventBus({ db, transport: amqp, relay: FAST_RELAY, log });
    const failing = vi.fn(async () => {
      throw new Error('ledger unavailable');
    });
    bus.subscribe('finance.tx', ['transaction.created'], failing);
    await bus.start();
    await amqp.open();
    const envelope = await publishNote(bus, db);

    const dead = await nextMessage(amqp.names.deadLetterQueue('finance.tx'));
    expect(failing).toHaveBeenCalledTimes(3);
    expect(JSON.parse(dead.content.toString())).toEqual(JSON.parse(JSON.stringify(envelope)));
    expect(dead.properties.messageId).toBe(envelope.id);
    expect(dead.properties.headers).toMatchObject({ 'x-expensio-attempt': 3, 'x-expensio-consumer': 'finance.tx', 'x-expensio-error': 'ledger unavailable' });
    // Nothing of the failed attempts landed, nothing is left to loop.
    expect(await effects(db, 'finance.tx')).toEqual(new Map());
    expect((await adminChannel.checkQueue(amqp.names.queue('finance.tx'))).messageCount).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(failing).toHaveBeenCalledTimes(3);
    await bus.stop();
    await amqp.close();
  });

  it('sends a poison message to the dead-letter queue at once, and goes on with the next', async () => {
    const exchange = newExchange();
    const db = await serviceSchema();
    const amqp = transport({ url: AMQP_URL, exchange, maxAttempts: 5, retryDelaysMs: RETRY_DELAYS, topology: TX });
    const bus = createEventBus({ db, transport: amqp, relay: FAST_RELAY, log });
    const handler = vi.fn(async (event: EventEnvelope, trx: Transaction<TestTables>) => applyEffect(trx, 'finance.tx', event.id));
    bus.subscribe('finance.tx', ['transaction.created'], handler);
    await bus.start();
    await amqp.open();

    const good = JSON.parse(JSON.stringify(await publishNote(bus, db)));
    const poison = [
      Buffer.from('{not json'),
      Buffer.from(JSON.stringify({ hello: 'world' })),
      Buffer.from(JSON.stringify({ ...good, id: newId(), payload: { ...good.payload, amount: 12.34 } })),
      Buffer.from(JSON.stringify({ ...good, id: newId(), version: 9 })),
    ];
    const publisher = await admin.createConfirmChannel();
    for (const content of poison) publisher.publish(exchange, 'transaction.created', content, { persistent: true });
    await publisher.waitForConfirms();
    await publisher.close();
    bus.relay?.wake();

    const dlq = amqp.names.deadLetterQueue('finance.tx');
    const dead: GetMessage[] = [];
    for (let i = 0; i < poison.length; i += 1) dead.push(await nextMessage(dlq));
    expect(dead.map((m) => m.content.toString()).sort()).toEqual(poison.map((p) => p.toString()).sort());
    const errors = dead.map((m) => String(m.properties.headers?.['x-expensio-error'])).sort();
    expect(errors).toEqual([
      expect.stringMatching(/^invalid transaction.created payload: amount/),
      expect.stringMatching(/^malformed envelope/),
      expect.stringMatching(/^not JSON/),
      expect.stringMatching(/^unsupported version 9/),
    ]);
    // At once: the first attempt was the last.
    for (const m of dead) expect(m.properties.headers?.['x-expensio-attempt']).toBe(1);
    await vi.waitFor(async () => {
      expect(await effects(db, 'finance.tx')).toEqual(new Map([[good.id, 1]]));
    }, WAIT);
    expect(handler).toHaveBeenCalledTimes(1);
    await bus.stop();
    await amqp.close();
  });

  it('re-establishes a consumer whose queue is deleted under it', async () => {
    const { db, amqp, bus, handled } = await recordingConsumer(FAST_RELAY);
    const before = await publishNote(bus, db);
    await vi.waitFor(() => {
      expect(handled).toEqual([before.id]);
    }, WAIT);

    await adminChannel.deleteQueue(amqp.names.queue('finance.tx'));
    // The broker cancels the consumer; the transport reconnects and declares, binds and consumes again.
    await vi.waitFor(async () => {
      const probe = await admin.createChannel();
      probe.on('error', () => undefined);
      const queue = await probe.checkQueue(amqp.names.queue('finance.tx'));
      await probe.close();
      expect(queue.consumerCount).toBe(1);
    }, WAIT);
    const after = await publishNote(bus, db);
    await vi.waitFor(() => {
      expect(handled).toEqual([before.id, after.id]);
    }, WAIT);
    await bus.stop();
    await amqp.close();
  });

  it('applies every one of 500 events exactly once across a cut broker connection', async () => {
    const exchange = newExchange();
    const db = await serviceSchema();
    const proxy = await TcpProxy.start(new URL(AMQP_URL));
    cleanups.push(() => proxy.close());
    const proxied = new URL(AMQP_URL);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const amqp = transport({
      url: proxied.toString(),
      exchange,
      reconnectInitialMs: 50,
      reconnectMaxMs: 200,
      confirmTimeoutMs: 2_000,
      topology: [{ consumer: 'finance.ledger', events: ['transaction.created'] }],
    });
    const bus = createEventBus({ db, transport: amqp, relay: { ...FAST_RELAY, batchSize: 50 }, log });
    let invocations = 0;
    bus.subscribe('finance.ledger', ['transaction.created'], async (event, trx) => {
      invocations += 1;
      await applyEffect(trx, 'finance.ledger', event.id);
    });
    await bus.start();
    await amqp.open();
    expect(amqp.connected).toBe(true);

    const TOTAL = 500;
    const published: string[] = [];
    const publishing = (async () => {
      for (let i = 0; i < TOTAL; i += 1) {
        published.push((await publishNote(bus, db)).id);
        // Spread the work so the cut lands in the middle of the stream.
        if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    await vi.waitFor(async () => {
      expect((await effects(db, 'finance.ledger')).size).toBeGreaterThanOrEqual(100);
    }, WAIT);
    proxy.cut();
    const cutAt = published.length;
    await vi.waitFor(() => {
      expect(amqp.connected).toBe(false);
    }, WAIT);
    // Commits go on while the broker is out of reach: they wait in the outbox.
    await vi.waitFor(() => {
      expect(published.length).toBeGreaterThanOrEqual(Math.min(TOTAL, cutAt + 50));
    }, WAIT);
    expect(await pendingOutbox(db)).toBeGreaterThan(0);
    expect(amqp.connected).toBe(false);
    await proxy.restore();
    await publishing;

    await vi.waitFor(
      async () => {
        expect((await effects(db, 'finance.ledger')).size).toBe(TOTAL);
      },
      { timeout: 20_000, interval: 50 },
    );
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);
    const applied = await effects(db, 'finance.ledger');
    expect(new Set(applied.keys())).toEqual(new Set(published));
    expect([...applied.values()].filter((n) => n !== 1)).toEqual([]);
    expect(invocations).toBeGreaterThanOrEqual(TOTAL);
    expect(proxy.connections).toBeGreaterThanOrEqual(2);
    expect(amqp.connected).toBe(true);
    await bus.stop();
    await amqp.close();
  }, 45_000);
});

/** A service whose consumer `finance.tx` records each event it handles, over a fresh exchange, started. */
async function recordingConsumer(relay: RelayOptions | false) {
  const db = await serviceSchema();
  const amqp = transport({ url: AMQP_URL, exchange: newExchange(), topology: TX });
  const bus = createEventBus({ db, transport: amqp, relay, log });
  const handled: string[] = [];
  bus.subscribe('finance.tx', ['transaction.created'], async (event, trx) => {
    handled.push(event.id);
    await applyEffect(trx, 'finance.tx', event.id);
  });
  await bus.start();
  await amqp.open();
  return { db, amqp, bus, handled };
}

/** A fresh schema holding the event tables, as a service's migration would build them. */
async function serviceSchema(): Promise<TestDb> {
  const schema = `evt_${randomBytes(5).toString('hex')}`;
  await migrateUp(database.kysely, { schema, migrations: [eventTablesMigration(1), outboxTraceContextMigration(2)] });
  const db = database.kysely.withSchema(schema) as TestDb;
  await db.schema
    .createTable('effects')
    .addColumn('consumer', 'text')
    .addColumn('event_id', 'uuid')
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('effects_pk', ['consumer', 'event_id'])
    .execute();
  await db.schema
    .createTable('notes')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  cleanups.push(async () => {
    await sql.raw(`drop schema ${schema} cascade`).execute(database.kysely);
  });
  return db;
}

/** A unique exchange per test, so parallel runs never share a queue. */
function newExchange(): string {
  exchangeCount += 1;
  return `expensio.test.${RUN}.${exchangeCount}`;
}

/** An AMQP transport whose exchanges and queues (its topology's) are deleted after the run. */
function transport(options: AmqpTransportOptions & { topology: Topology }): AmqpTransport {
  const amqp = new AmqpTransport({ retryDelaysMs: RETRY_DELAYS, reconnectInitialMs: 50, reconnectMaxMs: 500, connectTimeoutMs: 5_000, log, ...options });
  const { names } = amqp;
  const consumers = options.topology.map((subscription) => subscription.consumer);
  cleanups.push(async () => {
    await amqp.close();
    const channel = await admin.createChannel();
    try {
      for (const consumer of consumers) {
        await channel.deleteQueue(names.queue(consumer));
        await channel.deleteQueue(names.deadLetterQueue(consumer));
      }
      for (const ms of options.retryDelaysMs ?? RETRY_DELAYS) await channel.deleteQueue(names.delayQueue(ms));
      await channel.deleteExchange(names.retryExchange);
      await channel.deleteExchange(names.exchange);
    } finally {
      await channel.close().catch(() => undefined);
    }
  });
  return amqp;
}

async function nextMessage(queue: string): Promise<GetMessage> {
  let message: GetMessage | false = false;
  await vi.waitFor(async () => {
    message = message || (await adminChannel.get(queue, { noAck: true }));
    expect(message).not.toBe(false);
  }, WAIT);
  return message as unknown as GetMessage;
}

async function applyEffect(trx: Transaction<TestTables>, consumer: string, eventId: string) {
  await trx
    .insertInto('effects')
    .values({ consumer, event_id: eventId, n: 1 })
    .onConflict((oc) => oc.columns(['consumer', 'event_id']).doUpdateSet((eb) => ({ n: eb('effects.n', '+', 1) })))
    .execute();
}

async function effects(db: TestDb, consumer: string): Promise<Map<string, number>> {
  const rows = await db.selectFrom('effects').select(['event_id', 'n']).where('consumer', '=', consumer).execute();
  return new Map(rows.map((r) => [r.event_id, r.n]));
}

async function pendingOutbox(db: TestDb): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('published_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const created = () => sampleTransactionCreated({ tags: ['food'] });

/** One event in a transaction that also writes the change it describes. */
async function publishNote(bus: EventBus<TestTables>, db: TestDb): Promise<EventEnvelope<'transaction.created'>> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('notes').values({ id: newId(), body: 'change' }).execute();
    return bus.publish(trx, 'transaction.created', randomUUID(), created());
  });
}
