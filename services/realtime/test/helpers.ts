import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { createEventBus, type Database, type EventPayload, type EventType, type HttpApp, type Role } from '@expensio/common';
import { buildTestApp, createTestTokenIssuer, settleEvents, type TestTokenIssuer } from '@expensio/common/testing';
import { realtimeService, type AuthFailure, type GatewaySettings, type RealtimeContext } from '../src/index.js';

export interface TestGateway {
  url: string;
  app: HttpApp;
  ctx: RealtimeContext;
  tokens: TestTokenIssuer;
  /** Publishes as another service would: through an outbox, a relay and the shared transport. */
  publish<K extends EventType>(type: K, userId: string | null, payload: EventPayload<K>): Promise<void>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  settings?: Partial<GatewaySettings>;
  /** Shared between gateways in the Redis test; each test gateway opens its own otherwise. */
  database?: Database;
  redis?: Redis;
  redisChannel?: string;
  tokens?: TestTokenIssuer;
}

/**
 * Realtime's real app as it runs alone: the Fastify app and the gateway on one listening port
 * (any free one), its consumer on an in-process transport, tokens from a key the test holds.
 */
export async function createTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const tokens = options.tokens ?? (await createTestTokenIssuer());
  const t = await buildTestApp([realtimeService], {
    ...(options.database && { database: options.database }),
    ...(options.redis && { redis: options.redis }),
    verify: tokens.verify,
    overrides: {
      gateway: { recheckIntervalMs: 60_000, transports: ['websocket', 'polling'], corsOrigins: [], ...options.settings },
      ...(options.redisChannel !== undefined && { redisChannel: options.redisChannel }),
    },
  });
  const ctx = t.context(realtimeService);
  // Any database with event tables can publish; this one writes to realtime's own outbox, which
  // realtime's relay delivers (the publisher has none, so one relay keeps the order).
  const publisher = createEventBus({ db: ctx.db, transport: t.transport, log: ctx.log, relay: false });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    app: t.app,
    ctx,
    tokens,
    publish: async (type, userId, payload) => {
      await ctx.db.transaction().execute((trx) => publisher.publish(trx, type, userId, payload));
      ctx.bus.relay?.wake();
      await settleEvents([ctx.db]);
    },
    close: () => t.close(),
  };
}

export interface TestClient {
  socket: ClientSocket;
  /** Every message received, in order, with its name. */
  received: { name: string; data: unknown }[];
}

function openClient(url: string, token: string | undefined, extra: Record<string, unknown> = {}): ClientSocket {
  return connectClient(url, {
    ...(token !== undefined && { auth: { token } }),
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...extra,
  });
}

/** A connected client, or the handshake's refusal as an error. */
export async function connect(url: string, token: string): Promise<TestClient> {
  const socket = openClient(url, token);
  const received: TestClient['received'] = [];
  socket.onAny((name: string, data: unknown) => received.push({ name, data }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      resolve();
    });
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
  return { socket, received };
}

/** The error a refused handshake hands the client (`message` and `data`). */
export async function refusal(url: string, token: string | undefined): Promise<Error & { data?: AuthFailure }> {
  const socket = openClient(url, token);
  try {
    return await new Promise((resolve, reject) => {
      socket.once('connect', () => {
        reject(new Error('the handshake was accepted'));
      });
      socket.once('connect_error', resolve);
    });
  } finally {
    socket.close();
  }
}

/** Resolves with the next message of this name. */
export function nextMessage<T = unknown>(client: TestClient, name: string): Promise<T> {
  return new Promise((resolve) => {
    client.socket.once(name, (data: T) => {
      resolve(data);
    });
  });
}

/** Resolves with the reason once the server has let the client go. */
export function disconnection(client: TestClient): Promise<string> {
  return new Promise((resolve) => {
    if (client.socket.disconnected) resolve('already disconnected');
    client.socket.once('disconnect', (reason) => {
      resolve(reason);
    });
  });
}

/** Sends a message and resolves with its acknowledgement. */
export function request(client: TestClient, name: string): Promise<unknown> {
  return client.socket.timeout(5_000).emitWithAck(name);
}

export interface TestUser {
  id: string;
  token: string;
  sid: string;
}

export async function newUser(tokens: TestTokenIssuer, role: Role = 'user', ttlSeconds?: number): Promise<TestUser> {
  const id = randomUUID();
  const sid = randomUUID();
  return { id, sid, token: await tokens.mint({ userId: id, role, sid, ...(ttlSeconds !== undefined && { ttlSeconds }) }) };
}

export interface FileGateway {
  /** The gateway of this file, built in beforeAll. */
  readonly t: TestGateway;
  /** A connected client, closed after the file's tests. */
  client(token: string): Promise<TestClient>;
}

/** One gateway for a test file's tests, built before them and closed after, with its clients. */
export function gatewayForFile(options: TestGatewayOptions = {}): FileGateway {
  let gateway: TestGateway | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    gateway = await createTestGateway(options);
  });
  afterAll(async () => {
    for (const client of clients) client.socket.close();
    await gateway?.close();
  });
  const file: FileGateway = {
    get t() {
      if (gateway === undefined) throw new Error('The gateway is built in beforeAll');
      return gateway;
    },
    client: async (token) => {
      const connected = await connect(file.t.url, token);
      clients.push(connected);
      return connected;
    },
  };
  return file;
}
