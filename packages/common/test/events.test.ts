import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EVENT_TYPES,
  EventMap,
  EventValidationError,
  InProcessTransport,
  ManualClock,
  OutboxRelay,
  SUBSCRIPTIONS,
  backoffDelay,
  buildEnvelope,
  checkTopology,
  createEventBus,
  createLogger,
  eventTablesMigration,
  outboxTraceContextMigration,
  eventTablesSql,
  loadMigrations,
  migrateDown,
  migrateUp,
  newId,
  parseEnvelope,
  pruneEventTables,
  startEventPruning,
  type Database,
  type EventBus,
  type EventEnvelope,
  type EventPayload,
  type EventTables,
  type EventTransport,
  type Topology,
} from '@expensio/common';
import { openTestDatabase, sampleTransactionCreated } from '@expensio/common/testing';

interface TestTables extends EventTables {
  /** The consumer's effect: one row per event it applied, `n` counting how often. */
  effects: { consumer: string; event_id: string; n: number };
  /** A stand-in for the change an event describes. */
  notes: { id: string; body: string };
}

type TestDb = Kysely<TestTables>;

/** The consumers these tests subscribe, declared as the catalog declares the services' own. */
const TOPOLOGY: Topology = [
  { consumer: 'finance.users', events: ['user.registered', 'user.deleted'] },
  { consumer: 'realtime.users', events: ['user.registered'] },
  { consumer: 'realtime.goals', events: ['goal.completed'] },
  { consumer: 'finance.tx', events: ['transaction.created'] },
  { consumer: 'realtime.tx', events: ['transaction.created'] },
  { consumer: 'finance.x', events: ['user.registered'] },
];

let database: Database;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await database.close();
});

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

const FAST_RELAY = { pollIntervalMs: 20, retryBaseMs: 10, retryMaxMs: 40 };

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

const created = () => sampleTransactionCreated();

/** Publishes one event in a transaction that also writes the change it describes. */
async function publishNote(bus: EventBus<TestTables>, db: TestDb, userId: string): Promise<EventEnvelope<'transaction.created'>> {
  return db.transaction().execute(async (trx) => {
    await trx.insertInto('notes').values({ id: newId(), body: 'change' }).execute();
    return bus.publish(trx, 'transaction.created', userId, created());
  });
}

// Generous: the wait ends at the first passing check, and a loaded machine may need seconds.
const WAIT = { timeout: 25_000, interval: 10 };

describe('event catalog and envelope', () => {
  const clock = new ManualClock('2026-03-15T12:00:00.000Z');

  it('defines every event of the issue, each with a schema and version 1', () => {
    expect([...EVENT_TYPES].sort()).toEqual([
      'auth.login.failed',
      'auth.login.succeeded',
      'auth.otp.locked',
      'budget.threshold_reached',
      'goal.completed',
      'goal.progressed',
      'import.completed',
      'recurring.posted',
      'security.alert',
      'transaction.created',
      'transaction.deleted',
      'transaction.flagged',
      'transaction.updated',
      'user.deleted',
      'user.registered',
      'user.updated',
      'webhook.disabled',
    ]);
    for (const type of EVENT_TYPES) expect(EventMap[type]).toBeDefined();
  });

  it("builds a versioned envelope with a UUID v7 id and the clock's time, keeping only known payload keys", () => {
    const userId = randomUUID();
    const envelope = buildEnvelope(
      'goal.completed',
      userId,
      {
        goalId: randomUUID(),
        name: 'Bike',
        saved: '500.00',
        target: '500.00',
        currency: 'EUR',
        completedAt: '2026-03-15T12:00:00.000Z',
        extra: 'x',
      } as EventPayload<'goal.completed'>,
      clock,
    );
    expect(envelope).toMatchObject({ type: 'goal.completed', version: 1, occurredAt: '2026-03-15T12:00:00.000Z', userId });
    expect(envelope.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(envelope.payload).not.toHaveProperty('extra');
    expect(parseEnvelope(JSON.parse(JSON.stringify(envelope)))).toEqual({ ok: true, envelope });
  });

  it('refuses on publish a payload its schema refuses, naming the field', () => {
    const bad = { ...created(), amount: 12.34 } as unknown as EventPayload<'transaction.created'>;
    expect(() => buildEnvelope('transaction.created', randomUUID(), bad, clock)).toThrow(EventValidationError);
    expect(() => buildEnvelope('transaction.created', randomUUID(), bad, clock)).toThrow(/amount/);
    expect(() => buildEnvelope('transaction.created', 'not-a-uuid', created(), clock)).toThrow(/userId/);
  });

  it('keeps secrets out of security alert details', () => {
    const alert = (details: Record<string, string>) => ({
      alert: 'refresh.reused',
      severity: 'critical' as const,
      message: 'A refresh token was used twice',
      ip: '10.0.0.1',
      details,
    });
    expect(() => buildEnvelope('security.alert', null, alert({ country: 'FR' }), clock)).not.toThrow();
    expect(() => buildEnvelope('security.alert', null, alert({ refreshToken: 'abc' }), clock)).toThrow(/secret/);
    expect(() => buildEnvelope('security.alert', null, alert({ otpCode: '123456' }), clock)).toThrow(/secret/);
  });

  it('refuses on consume what cannot be read: not an envelope, an unknown type, another version, a bad payload', () => {
    const good = JSON.parse(JSON.stringify(buildEnvelope('transaction.created', randomUUID(), created(), clock)));
    expect(parseEnvelope('hello')).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed/) });
    expect(parseEnvelope({ ...good, id: 'x' })).toMatchObject({ ok: false, reason: expect.stringMatching(/id/) });
    expect(parseEnvelope({ ...good, type: 'transaction.exploded' })).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown event type/) });
    expect(parseEnvelope({ ...good, version: 2 })).toMatchObject({ ok: false, reason: expect.stringMatching(/unsupported version 2/) });
    expect(parseEnvelope({ ...good, payload: { ...good.payload, currency: 'euro' } })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/payload.*currency/),
    });
  });

  it('backs off exponentially with bounded jitter', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0.5)).toBe(100);
    expect(backoffDelay(4, 100, 10_000, () => 0.5)).toBe(800);
    expect(backoffDelay(30, 100, 10_000, () => 1)).toBe(10_000);
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(320);
  });
});

describe('event tables migration', () => {
  it('matches, checksum included, the same SQL written as migration files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'expensio-events-'));
    try {
      const { up, down } = eventTablesSql();
      writeFileSync(path.join(dir, '0007_event_tables.up.sql'), up);
      writeFileSync(path.join(dir, '0007_event_tables.down.sql'), down);
      expect(loadMigrations(dir)).toEqual([eventTablesMigration(7)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("goes up beside a service's own migrations and comes down leaving the schema as it was", async () => {
    const schema = `evt_${randomBytes(5).toString('hex')}`;
    const set = {
      schema,
      migrations: [
        { ...eventTablesMigration(1), name: 'ledger', up: 'create table ledger (id integer primary key);', down: 'drop table ledger;', checksum: 'x' },
        eventTablesMigration(2),
      ],
    };
    const tables = async () =>
      (
        await sql<{ t: string }>`select table_name as t from information_schema.tables where table_schema = ${schema} order by 1`.execute(database.kysely)
      ).rows.map((r) => r.t);
    await migrateUp(database.kysely, set);
    expect(await tables()).toEqual(['inbox', 'ledger', 'outbox', 'schema_migrations']);
    await migrateDown(database.kysely, set, 1);
    expect(await tables()).toEqual(['ledger', 'schema_migrations']);
    await sql.raw(`drop schema ${schema} cascade`).execute(database.kysely);
  });
});

describe('event bus with the in-process transport', () => {
  it('refuses to publish outside a transaction', async () => {
    const db = await serviceSchema();
    const bus = createEventBus({ db, transport: new InProcessTransport({ topology: TOPOLOGY }) });
    await expect(bus.publish(db as unknown as Transaction<TestTables>, 'transaction.created', randomUUID(), created())).rejects.toThrow(/transaction/);
    expect(await pendingOutbox(db)).toBe(0);
  });

  it('delivers a committed event to every consumer of its type, asynchronously, once', async () => {
    const db = await serviceSchema();
    const transport = new InProcessTransport({ topology: TOPOLOGY });
    const bus = createEventBus({ db, transport, relay: FAST_RELAY });
    const seen: string[] = [];
    bus.subscribe('finance.users', ['user.registered', 'user.deleted'], async (event, trx) => {
      // The union narrows on the type: a registration carries the email.
      if (event.type === 'user.registered') seen.push(event.payload.email);
      await applyEffect(trx, 'finance.users', event.id);
    });
    bus.subscribe('realtime.users', ['user.registered'], async (event, trx) => {
      await applyEffect(trx, 'realtime.users', event.id);
    });
    bus.subscribe('realtime.goals', ['goal.completed'], async (event, trx) => {
      await applyEffect(trx, 'realtime.goals', event.id);
    });
    await bus.start();
    await transport.open();
    const userId = randomUUID();
    const envelope = await db
      .transaction()
      .execute((trx) => bus.publish(trx, 'user.registered', userId, { email: 'ada@example.com', name: 'Ada', role: 'user' }));

    await vi.waitFor(async () => {
      expect(await effects(db, 'finance.users')).toEqual(new Map([[envelope.id, 1]]));
      expect(await effects(db, 'realtime.users')).toEqual(new Map([[envelope.id, 1]]));
    }, WAIT);
    expect(await effects(db, 'realtime.goals')).toEqual(new Map());
    expect(seen).toEqual(['ada@example.com']);
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);
    const row = await db.selectFrom('outbox').selectAll().where('id', '=', envelope.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      type: 'user.registered',
      version: 1,
      user_id: userId,
      attempts: 1,
      last_error: null,
      payload: { email: 'ada@example.com', name: 'Ada', role: 'user' },
    });
    expect(row.published_at).toBeInstanceOf(Date);
    await bus.stop();
    await transport.close();
  });

  it('publishes nothing when the transaction rolls back', async () => {
    const db = await serviceSchema();
    const transport = new InProcessTransport({ topology: TOPOLOGY });
    const bus = createEventBus({ db, transport, relay: FAST_RELAY });
    const handler = vi.fn(async () => undefined);
    bus.subscribe('finance.tx', ['transaction.created'], handler);
    await bus.start();
    await transport.open();
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('notes').values({ id: newId(), body: 'never' }).execute();
        await bus.publish(trx, 'transaction.created', randomUUID(), created());
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    // A later event proves the relay ran after the rollback.
    const later = await publishNote(bus, db, randomUUID());
    await vi.waitFor(() => {
      expect(handler).toHaveBeenCalledTimes(1);
    }, WAIT);
    expect(handler.mock.calls[0]).toEqual([expect.objectContaining({ id: later.id }), expect.anything()]);
    expect(await db.selectFrom('outbox').select('id').execute()).toEqual([{ id: later.id }]);
    expect(await db.selectFrom('notes').select('body').execute()).toEqual([{ body: 'change' }]);
    await bus.stop();
    await transport.close();
  });

  it('delivers, in order, events published while no relay ran once one starts', async () => {
    const db = await serviceSchema();
    const transport = new InProcessTransport({ topology: TOPOLOGY });
    const publisher = createEventBus({ db, transport, relay: false });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await publishNote(publisher, db, randomUUID())).id);
    expect(await pendingOutbox(db)).toBe(5);

    const consumer = createEventBus({ db, transport, relay: FAST_RELAY });
    const order: string[] = [];
    consumer.subscribe('finance.tx', ['transaction.created'], async (event, trx) => {
      order.push(event.id);
      await applyEffect(trx, 'finance.tx', event.id);
    });
    await consumer.start();
    // Not before the transport opens: every consumer of the process registers first.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);
    await transport.open();
    await vi.waitFor(() => {
      expect(order).toEqual(ids);
    }, WAIT);
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);
    await consumer.stop();
    await transport.close();
  });

  it('keeps events for a stopped consumer of the process until it comes back, as a durable queue would', async () => {
    const identity = await serviceSchema();
    const finance = await serviceSchema();
    const transport = new InProcessTransport({ topology: TOPOLOGY });
    const publisher = createEventBus({ db: identity, transport, relay: FAST_RELAY });
    const consumer = createEventBus({ db: finance, transport, relay: false });
    const handled: string[] = [];
    consumer.subscribe('finance.tx', ['transaction.created'], async (event, trx) => {
      handled.push(event.id);
      await applyEffect(trx, 'finance.tx', event.id);
    });
    await consumer.start();
    await publisher.start();
    await transport.open();
    await consumer.stop();

    const envelope = await publishNote(publisher, identity, randomUUID());
    await vi.waitFor(async () => {
      const row = await identity.selectFrom('outbox').select(['attempts', 'last_error']).where('id', '=', envelope.id).executeTakeFirstOrThrow();
      // Retried every few ms meanwhile: how many times by now depends on the machine's load.
      expect(row.last_error).toBe('finance.tx: consumer is stopped');
      expect(row.attempts).toBeGreaterThanOrEqual(1);
    }, WAIT);
    expect(handled).toEqual([]);

    await consumer.start();
    await vi.waitFor(() => {
      expect(handled).toEqual([envelope.id]);
    }, WAIT);
    await vi.waitFor(async () => {
      expect(await pendingOutbox(identity)).toBe(0);
    }, WAIT);
    await publisher.stop();
    await consumer.stop();
    await transport.close();
    await expect(transport.publish(envelope, 1)).rejects.toThrow(/closed/);
  });

  it('gives a redelivered event no second effect', async () => {
    const db = await serviceSchema();
    const transport = new InProcessTransport({ topology: TOPOLOGY });
    const bus = createEventBus({ db, transport, relay: FAST_RELAY });
    const handler = vi.fn(async (event: EventEnvelope, trx: Transaction<TestTables>) => applyEffect(trx, 'finance.tx', event.id));
    bus.subscribe('finance.tx', ['transaction.created'], handler);
    await bus.start();
    await transport.open();
    const envelope = await publishNote(bus, db, randomUUID());
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);

    // As if the relay had died after delivering but before marking the row: it goes out again.
    await db.updateTable('outbox').set({ published_at: null }).where('id', '=', envelope.id).execute();
    bus.relay?.wake();
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);
    // And a transport handing over the same message twice more.
    await transport.publish(envelope, 1);
    await transport.publish(JSON.parse(JSON.stringify(envelope)) as EventEnvelope, 1);

    expect(handler).toHaveBeenCalledTimes(1);
    expect(await effects(db, 'finance.tx')).toEqual(new Map([[envelope.id, 1]]));
    await bus.stop();
    await transport.close();
  });

  it('retries a failing handler with back-off, and its effect lands once it succeeds', async () => {
    const db = await serviceSchema();
    const transport = new InProcessTransport({ maxAttempts: 5, topology: TOPOLOGY });
    const bus = createEventBus({ db, transport, relay: FAST_RELAY });
    let calls = 0;
    bus.subscribe('finance.tx', ['transaction.created'], async (event, trx) => {
      calls += 1;
      // The effect is written before the failure: the rollback must take it away.
      await applyEffect(trx, 'finance.tx', event.id);
      if (calls < 3) throw new Error(`flaky ${calls}`);
    });
    const other = vi.fn(async () => undefined);
    bus.subscribe('realtime.tx', ['transaction.created'], other);
    await bus.start();
    await transport.open();
    const envelope = await publishNote(bus, db, randomUUID());
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);
    expect(calls).toBe(3);
    expect(other).toHaveBeenCalledTimes(1);
    expect(await effects(db, 'finance.tx')).toEqual(new Map([[envelope.id, 1]]));
    const row = await db.selectFrom('outbox').select(['attempts', 'last_error']).where('id', '=', envelope.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ attempts: 3, last_error: null });
    await bus.stop();
    await transport.close();
  });

  it("dead-letters an event whose handler keeps failing, after N attempts, into the consumer's inbox", async () => {
    const db = await serviceSchema();
    const transport = new InProcessTransport({ maxAttempts: 3, topology: TOPOLOGY });
    const bus = createEventBus({ db, transport, relay: FAST_RELAY });
    const failing = vi.fn(async () => {
      throw new Error('ledger unavailable');
    });
    const healthy = vi.fn(async (event: EventEnvelope, trx: Transaction<TestTables>) => applyEffect(trx, 'realtime.tx', event.id));
    bus.subscribe('finance.tx', ['transaction.created'], failing);
    bus.subscribe('realtime.tx', ['transaction.created'], healthy);
    await bus.start();
    await transport.open();
    const envelope = await publishNote(bus, db, randomUUID());
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);

    expect(failing).toHaveBeenCalledTimes(3);
    expect(healthy).toHaveBeenCalledTimes(1);
    const inbox = await db.selectFrom('inbox').selectAll().where('event_id', '=', envelope.id).orderBy('consumer').execute();
    expect(inbox.map((r) => [r.consumer, r.status, r.error])).toEqual([
      ['finance.tx', 'dead_lettered', 'ledger unavailable'],
      ['realtime.tx', 'processed', null],
    ]);
    expect(inbox[0]?.envelope).toMatchObject({ id: envelope.id, type: 'transaction.created' });
    // Dead means done: the relay does not hand it to that consumer again.
    await db.updateTable('outbox').set({ published_at: null }).where('id', '=', envelope.id).execute();
    bus.relay?.wake();
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);
    expect(failing).toHaveBeenCalledTimes(3);
    await bus.stop();
    await transport.close();
  });

  it('dead-letters a message that cannot be read at once, without running the handler', async () => {
    const db = await serviceSchema();
    const transport = new InProcessTransport({ maxAttempts: 5, topology: TOPOLOGY });
    const bus = createEventBus({ db, transport, relay: FAST_RELAY });
    const handler = vi.fn(async (event: EventEnvelope, trx: Transaction<TestTables>) => applyEffect(trx, 'finance.tx', event.id));
    bus.subscribe('finance.tx', ['transaction.created'], handler);
    await bus.start();
    await transport.open();
    // A row that went around publish(): its payload breaks the schema.
    const poisonId = newId();
    await db
      .insertInto('outbox')
      .values({
        id: poisonId,
        type: 'transaction.created',
        version: 1,
        user_id: randomUUID(),
        occurred_at: new Date(),
        payload: JSON.stringify({ amount: 'lots' }),
      })
      .execute();
    const good = await publishNote(bus, db, randomUUID());
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);

    expect(handler).toHaveBeenCalledTimes(1);
    expect(await effects(db, 'finance.tx')).toEqual(new Map([[good.id, 1]]));
    const dead = await db.selectFrom('inbox').selectAll().where('event_id', '=', poisonId).executeTakeFirstOrThrow();
    expect(dead).toMatchObject({ consumer: 'finance.tx', status: 'dead_lettered', error: expect.stringMatching(/invalid transaction.created payload/) });
    const row = await db.selectFrom('outbox').select('attempts').where('id', '=', poisonId).executeTakeFirstOrThrow();
    expect(row.attempts).toBe(1);
    await bus.stop();
    await transport.close();
  });

  it('refuses consumer names that cannot become queue names, unknown types, and late subscriptions', async () => {
    const db = await serviceSchema();
    const bus = createEventBus({ db, transport: new InProcessTransport({ topology: TOPOLOGY }), relay: false });
    const noop = async () => undefined;
    expect(() => {
      bus.subscribe('Finance Users', ['user.registered'], noop);
    }).toThrow(/Consumer name/);
    expect(() => {
      bus.subscribe('finance.x', ['user.exploded' as 'user.registered'], noop);
    }).toThrow(/unknown event type/);
    expect(() => {
      bus.subscribe('finance.x', [], noop);
    }).toThrow(/no event type/);
    bus.subscribe('finance.x', ['user.registered'], noop);
    expect(() => {
      bus.subscribe('finance.x', ['user.deleted'], noop);
    }).toThrow(/already/);
    await bus.start();
    expect(() => {
      bus.subscribe('finance.y', ['user.deleted'], noop);
    }).toThrow(/before the bus starts/);
    await bus.stop();
  });

  it('holds each consumer to its declared subscription: no undeclared consumer, no type beyond or short of its entry', async () => {
    const db = await serviceSchema();
    const bus = createEventBus({ db, transport: new InProcessTransport({ topology: TOPOLOGY }), relay: false });
    const noop = async () => undefined;
    expect(() => {
      bus.subscribe('finance.ledger', ['transaction.created'], noop);
    }).toThrow(/"finance.ledger" is not declared in the event topology/);
    expect(() => {
      bus.subscribe('finance.users', ['user.registered', 'user.deleted', 'user.updated'], noop);
    }).toThrow(/subscribes to user.updated, outside its declared subscription/);
    expect(() => {
      bus.subscribe('finance.users', ['user.deleted'], noop);
    }).toThrow(/declared to take user.registered but does not subscribe/);
    bus.subscribe('finance.users', ['user.deleted', 'user.registered'], noop);
  });

  it("takes the catalog's topology by default, and refuses a topology that cannot be declared", () => {
    expect(new InProcessTransport().topology).toBe(SUBSCRIPTIONS);
    expect(() => {
      checkTopology(SUBSCRIPTIONS);
    }).not.toThrow();
    expect(() => new InProcessTransport({ topology: [{ consumer: 'a.b', events: [] }] })).toThrow(/no event type/);
    expect(() => new InProcessTransport({ topology: [{ consumer: 'A B', events: ['user.deleted'] }] })).toThrow(/Consumer name/);
    expect(() => new InProcessTransport({ topology: [{ consumer: 'a.b', events: ['user.exploded' as 'user.deleted'] }] })).toThrow(/unknown event type/);
    const twice: Topology = [
      { consumer: 'a.b', events: ['user.deleted'] },
      { consumer: 'a.b', events: ['user.updated'] },
    ];
    expect(() => new InProcessTransport({ topology: twice })).toThrow(/declared twice/);
  });
});

/** A transport that records what it was handed, failing on demand. */
class RecordingTransport implements EventTransport {
  readonly kind = 'in-process' as const;
  readonly topology = TOPOLOGY;
  readonly published: { id: string; attempt: number }[] = [];
  failNext = 0;
  async open() {}
  whenOpen() {
    return Promise.resolve();
  }
  async publish(envelope: EventEnvelope, attempt: number) {
    // Yield, so relays running side by side interleave.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('broker unreachable');
    }
    this.published.push({ id: envelope.id, attempt });
  }
  async consume() {
    return { cancel: async () => undefined };
  }
  async close() {}
}

describe('outbox relay', () => {
  it('splits the outbox between several relays: every event goes out once', async () => {
    const db = await serviceSchema();
    const transport = new RecordingTransport();
    const publisher = createEventBus({ db, transport, relay: false });
    const ids = new Set<string>();
    for (let batch = 0; batch < 10; batch += 1) {
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < 20; i += 1) ids.add((await publisher.publish(trx, 'transaction.created', randomUUID(), created())).id);
      });
    }
    const relays = [1, 2, 3].map(() => new OutboxRelay(db, transport, { ...FAST_RELAY, batchSize: 7 }));
    await Promise.all(relays.map((relay) => relay.drain()));
    for (const relay of relays) relay.start();
    await vi.waitFor(async () => {
      expect(await pendingOutbox(db)).toBe(0);
    }, WAIT);
    await Promise.all(relays.map((relay) => relay.stop()));
    expect(transport.published).toHaveLength(200);
    expect(new Set(transport.published.map((p) => p.id))).toEqual(ids);
  });

  it('stops at once while it waits, whether polling or letting a burst of wakes coalesce', async () => {
    const db = await serviceSchema();
    const transport = new RecordingTransport();
    const publisher = createEventBus({ db, transport, relay: false });
    await publishNote(publisher, db, randomUUID());
    // Both pauses last an hour: only stop() can end them in this test's time.
    const relay = new OutboxRelay(db, transport, { pollIntervalMs: 3_600_000, coalesceMs: 3_600_000 });
    const publish = transport.publish.bind(transport);
    let inPause!: () => void;
    const paused = new Promise<void>((resolve) => {
      inPause = resolve;
    });
    // A wake that lands during a pass sends the relay into its coalescing pause after it.
    transport.publish = async (envelope, attempt) => {
      await publish(envelope, attempt);
      relay.wake();
      setImmediate(inPause);
    };
    relay.start();
    await paused;
    await relay.stop();
    expect(transport.published).toHaveLength(1);
  });

  it('keeps a row pending until the transport confirms, retrying with back-off', async () => {
    const db = await serviceSchema();
    const transport = new RecordingTransport();
    // An hour's back-off: the test moves the row's time itself, so a slow machine cannot outrun it.
    const backoff = { retryBaseMs: 3_600_000, retryMaxMs: 3_600_000 };
    const bus = createEventBus({ db, transport, relay: { pollIntervalMs: 10, ...backoff } });
    transport.failNext = 1;
    const envelope = await publishNote(bus, db, randomUUID());
    const relay = new OutboxRelay(db, transport, backoff);
    expect(await relay.drain()).toBe(0);
    const failed = await db
      .selectFrom('outbox')
      .select(['attempts', 'last_error', 'published_at', 'locked_until', sql<boolean>`available_at > now() + interval '30 minutes'`.as('backing_off')])
      .where('id', '=', envelope.id)
      .executeTakeFirstOrThrow();
    expect(failed).toEqual({ attempts: 1, last_error: 'broker unreachable', published_at: null, locked_until: null, backing_off: true });
    // Not due yet: a pass now takes nothing.
    expect(await relay.drain()).toBe(0);
    expect(transport.published).toEqual([]);
    // The back-off has run out: the next pass sends it again.
    await db
      .updateTable('outbox')
      .set({ available_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', envelope.id)
      .execute();
    expect(await relay.drain()).toBe(1);
    expect(transport.published).toEqual([{ id: envelope.id, attempt: 2 }]);
    expect(await pendingOutbox(db)).toBe(0);
  });

  it('leaves a row another relay holds until its lease runs out', async () => {
    const db = await serviceSchema();
    const transport = new RecordingTransport();
    const bus = createEventBus({ db, transport, relay: false });
    const envelope = await publishNote(bus, db, randomUUID());
    // A relay that claimed the row and died.
    await db
      .updateTable('outbox')
      .set({ locked_until: sql<Date>`now() + interval '1 hour'` })
      .where('id', '=', envelope.id)
      .execute();
    const relay = new OutboxRelay(db, transport);
    expect(await relay.drain()).toBe(0);
    await db
      .updateTable('outbox')
      .set({ locked_until: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', envelope.id)
      .execute();
    expect(await relay.drain()).toBe(1);
    expect(transport.published.map((p) => p.id)).toEqual([envelope.id]);
  });

  it('prunes published rows and processed inbox rows, keeping pending rows and dead letters', async () => {
    const db = await serviceSchema();
    const transport = new RecordingTransport();
    const bus = createEventBus({ db, transport, relay: false });
    const published = await publishNote(bus, db, randomUUID());
    const pending = await publishNote(bus, db, randomUUID());
    await db
      .updateTable('outbox')
      .set({ published_at: new Date('2026-01-01T00:00:00Z') })
      .where('id', '=', published.id)
      .execute();
    await db
      .insertInto('inbox')
      .values([
        { consumer: 'c', event_id: newId(), event_type: 'transaction.created', status: 'processed' },
        { consumer: 'c', event_id: newId(), event_type: 'transaction.created', status: 'dead_lettered', error: 'x' },
      ])
      .execute();
    const removed = await pruneEventTables(db, { publishedBefore: new Date('2026-02-01T00:00:00Z'), processedBefore: new Date(Date.now() + 60_000) });
    expect(removed).toEqual({ outbox: 1, inbox: 1 });
    expect((await db.selectFrom('outbox').select('id').execute()).map((r) => r.id)).toEqual([pending.id]);
    expect((await db.selectFrom('inbox').select('status').execute()).map((r) => r.status)).toEqual(['dead_lettered']);
  });

  it('prunes on a timer what is older than the window, by the injected clock', async () => {
    const db = await serviceSchema();
    const bus = createEventBus({ db, transport: new RecordingTransport(), relay: false });
    const old = await publishNote(bus, db, randomUUID());
    const recent = await publishNote(bus, db, randomUUID());
    await db
      .updateTable('outbox')
      .set({ published_at: new Date('2026-01-01T00:00:00Z') })
      .where('id', '=', old.id)
      .execute();
    await db
      .updateTable('outbox')
      .set({ published_at: new Date('2026-01-09T00:00:00Z') })
      .where('id', '=', recent.id)
      .execute();
    const clock = new ManualClock('2026-01-10T00:00:00Z');
    const stop = startEventPruning(db, clock, createLogger('silent', 'prune-test'), { keepPublishedMs: 7 * 86_400_000, intervalMs: 10 });
    try {
      await vi.waitFor(async () => {
        expect((await db.selectFrom('outbox').select('id').execute()).map((r) => r.id)).toEqual([recent.id]);
      });
    } finally {
      stop();
    }
  });
});
