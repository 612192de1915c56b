import { randomUUID } from 'node:crypto';
import {
  InProcessTransport,
  authPlugin,
  createEventBus,
  createHttpApp,
  createLogger,
  forSchema,
  runEventBuses,
  type Database,
  type EventEnvelope,
  type EventPayload,
  type EventTables,
  type EventType,
  type HttpApp,
  type Role,
} from '@expensio/common';
import { ManualClock, createTestTokenIssuer, openTestDatabase, settleEvents } from '@expensio/common/testing';
import { createRealtimeContext, registerRealtimeRoutes, runWebhookDeliveries, type DeliveryPass, type RealtimeContext, type WebhookSettings } from '../../src/index.js';
import { DEFAULT_WEBHOOK_SETTINGS } from '../../src/webhooks/config.js';

export interface TestUser {
  id: string;
  headers: { authorization: string };
}

export interface TestRealtime {
  app: HttpApp;
  ctx: RealtimeContext;
  clock: ManualClock;
  database: Database;
  newUser(role?: Role): Promise<TestUser>;
  /** Publishes as another service would (finance's outbox, on the same transport), and commits. */
  publish<K extends EventType>(type: K, userId: string | null, payload: EventPayload<K>): Promise<EventEnvelope<K>>;
  /** Waits until every published event has reached its consumers (deliveries are queued). */
  settle(): Promise<void>;
  /** One pass of the delivery worker: attempts whatever is due now. */
  deliver(): Promise<DeliveryPass>;
  close(): Promise<void>;
}

/** Fast retries measured on the manual clock, dev URL rules (loopback receivers), and a low disabling threshold. */
export const TEST_WEBHOOK_SETTINGS: WebhookSettings = {
  ...DEFAULT_WEBHOOK_SETTINGS,
  allowPrivateUrls: true,
  timeoutMs: 5_000,
  maxAttempts: 3,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  disableAfterFailures: 2,
};

/** Realtime over this file's own database, with a producer bus beside it on one in-process transport. */
export async function createTestRealtime(): Promise<TestRealtime> {
  const database = await openTestDatabase();
  const clock = new ManualClock('2026-03-15T12:00:00.000Z');
  const log = createLogger('silent', 'realtime-test');
  const transport = new InProcessTransport();
  // Each context gets its own copy: tests change settings on theirs.
  const ctx = createRealtimeContext({ database, log, transport, clock, webhooks: { ...TEST_WEBHOOK_SETTINGS } });
  const producerDb = forSchema<EventTables>(database, 'finance');
  const producer = createEventBus({ db: producerDb, transport, clock, log, relay: { pollIntervalMs: 20, retryBaseMs: 10, retryMaxMs: 40 } });
  const tokens = await createTestTokenIssuer(clock);
  const app = await createHttpApp({ title: 'realtime test', version: '0', logger: false, trustProxy: [], corsOrigins: [], rateLimit: { max: 1_000_000, windowMs: 60_000 }, readiness: [] });
  await app.register(authPlugin, { verify: tokens.verify });
  registerRealtimeRoutes(app, ctx);
  await app.ready();
  const stopEvents = await runEventBuses(transport, [producer, ctx.bus]);

  const newUser = async (role: Role = 'user'): Promise<TestUser> => {
    const id = randomUUID();
    const token = await tokens.mint({ userId: id, role });
    return { id, headers: { authorization: `Bearer ${token}` } };
  };

  return {
    app,
    ctx,
    clock,
    database,
    newUser,
    publish: (type, userId, payload) => producerDb.transaction().execute((trx) => producer.publish(trx, type, userId, payload)),
    settle: () => settleEvents([producerDb, ctx.db]),
    deliver: () => runWebhookDeliveries(ctx),
    close: async () => {
      await app.close();
      await stopEvents();
      await database.close();
    },
  };
}

/** Shorthand for an authenticated JSON call. */
export function call(t: TestRealtime, user: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  return t.app.inject({ method, url, headers: user.headers, ...(payload !== undefined && { payload: payload as object }) });
}
