import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import {
  ACCESS_TOKEN_TYPE,
  InProcessTransport,
  authPlugin,
  createAccessTokenVerifier,
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
import { ManualClock, openTestDatabase, settleEvents } from '@expensio/common/testing';
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

const ISSUER = 'expensio-identity';
const AUDIENCE = 'expensio';

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
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'test', alg: 'ES256' }] };
  const app = await createHttpApp({ title: 'realtime test', version: '0', logger: false, trustProxy: [], corsOrigins: [], rateLimit: { max: 1_000_000, windowMs: 60_000 }, readiness: [] });
  await app.register(authPlugin, {
    verify: createAccessTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: createLocalJWKSet(jwks), isRevoked: () => Promise.resolve(false), clock }),
  });
  registerRealtimeRoutes(app, ctx);
  await app.ready();
  const stopEvents = await runEventBuses(transport, [producer, ctx.bus]);

  const newUser = async (role: Role = 'user'): Promise<TestUser> => {
    const id = randomUUID();
    const now = Math.floor(clock.now().getTime() / 1000);
    const token = await new SignJWT({ role, sid: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: ACCESS_TOKEN_TYPE, kid: 'test' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(id)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 365 * 86_400)
      .sign(privateKey);
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
