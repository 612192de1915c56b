import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { AccessTokenVerifier, Role } from '../auth/tokens.js';
import { ManualClock } from '../clock.js';
import type { Database } from '../db/connect.js';
import { InProcessTransport } from '../events/in-process.js';
import type { EventTransport } from '../events/transport.js';
import type { HttpApp } from '../http/app.js';
import { createLogger, type Logger } from '../logger.js';
import type { Metrics } from '../metrics/registry.js';
import { composeServices } from '../service/compose.js';
import { loadServicesConfig, type ComposedConfig } from '../service/config.js';
import type { AnyServiceDescriptor, ContextOf } from '../service/descriptor.js';
import { settleEvents } from './events.js';
import { createTestTokenIssuer, type TestTokenIssuer } from './tokens.js';
import { openTestDatabase, testRedisUrl } from './test-database.js';

export interface TestAppOptions {
  /** Variables on top of the test defaults (NODE_ENV=test, silent logs, no rate limit to speak of). */
  env?: Record<string, string>;
  /** Where the manual clock starts; now by default. */
  now?: string | Date;
  /** A database to share (the test closes it); a fresh copy of the migrated one otherwise. */
  database?: Database & { url?: string };
  transport?: EventTransport;
  /** Redis to share (the test disconnects it); the integration tier's otherwise, if any. */
  redis?: Redis;
  /** Replaces the verifier; by default identity's own when composed, else a test token issuer's. */
  verify?: AccessTokenVerifier;
  /** True to run pruning, the scheduler and the webhook worker; tests run them by hand otherwise. */
  background?: boolean;
  /** Service stand-ins (a mailer, a hasher, keys) on top of each descriptor's `testOverrides`. */
  overrides?: Record<string, unknown>;
  /** The app's request logger (a test that reads the logs); none unless EXPENSIO_TEST_LOG=1. */
  httpLogger?: Logger;
  /** Server spans per request, for a test that started the tracing SDK itself (`startTracing`). */
  tracing?: boolean;
}

export interface TestApp {
  app: HttpApp;
  /** The app's metrics registry and counters. */
  metrics: Metrics;
  config: ComposedConfig;
  clock: ManualClock;
  database: Database & { url?: string };
  redis: Redis | undefined;
  transport: EventTransport;
  /** The issuer whose tokens the app trusts when no service in it signs tokens. */
  tokens: TestTokenIssuer | undefined;
  /** DATA_DIR of this app: a folder of its own, removed by `close`. */
  dataDir: string;
  /** The context a descriptor built. */
  context<D extends AnyServiceDescriptor>(descriptor: D): ContextOf<D>;
  /** Waits until every service's outbox is delivered (consumers that publish in turn included). */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real app of these services, built from their descriptors as production builds it, with
 * test stand-ins: a manual clock, an in-process transport, this file's own database and folder,
 * and whatever each descriptor's `testOverrides` give (cheap Argon2, mail in memory, throwaway keys).
 */
export async function buildTestApp(descriptors: readonly AnyServiceDescriptor[], options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'expensio-test-'));
  const config = loadServicesConfig(descriptors, { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, RATE_LIMIT_MAX: '1000000', ...options.env });
  const log = createLogger(process.env.EXPENSIO_TEST_LOG === '1' ? 'debug' : config.LOG_LEVEL, 'test');
  const clock = new ManualClock(options.now ?? new Date());
  const database = options.database ?? (await openTestDatabase());
  const redisUrl = testRedisUrl();
  const redis = options.redis ?? (redisUrl === undefined ? undefined : new Redis(redisUrl));
  const transport = options.transport ?? new InProcessTransport();
  const tokens = options.verify === undefined && !descriptors.some((d) => d.verifier !== undefined) ? await createTestTokenIssuer(clock) : undefined;
  const defaults: Record<string, unknown> = {};
  for (const descriptor of descriptors) Object.assign(defaults, await descriptor.testOverrides?.());
  const services = await composeServices(descriptors, {
    config,
    database,
    redis,
    transport,
    log,
    httpLogger: options.httpLogger ?? (process.env.EXPENSIO_TEST_LOG === '1' ? log : false),
    clock,
    // Keeps parallel test files apart in one Redis.
    overrides: { redisPrefix: `expensio:test:${randomBytes(6).toString('hex')}:`, ...defaults, ...options.overrides },
    ...((options.verify ?? tokens?.verify) && { verify: options.verify ?? tokens?.verify }),
    background: options.background ?? false,
    tracing: options.tracing === true,
    title: `${descriptors.map((d) => d.name).join(', ')} (test)`,
  });
  await services.start();
  return {
    app: services.app,
    metrics: services.metrics,
    config,
    clock,
    database,
    redis,
    transport,
    tokens,
    dataDir,
    context: (descriptor) => services.context(descriptor),
    settle: (timeoutMs) => settleEvents(services.databases, timeoutMs),
    close: async () => {
      await services.stop();
      await transport.close();
      if (options.redis === undefined) await redis?.quit();
      if (options.database === undefined) await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestUser {
  id: string;
  token: string;
  headers: { authorization: string };
  /** Set when the user registered through identity. */
  email?: string;
  password?: string;
  refreshToken?: string;
}

export const TEST_PASSWORD = 'correct horse battery staple 42';

let registered = 0;

/**
 * A new user and an access token: registered through `POST /api/auth/register` when identity is
 * part of the app, minted by the test's issuer (with the role asked for) otherwise.
 */
export async function newUser(
  t: Pick<TestApp, 'app' | 'tokens'>,
  options: { role?: Role; email?: string; password?: string; name?: string } = {},
): Promise<TestUser> {
  if (t.tokens) {
    const id = randomUUID();
    const token = await t.tokens.mint({ userId: id, ...(options.role && { role: options.role }) });
    return { id, token, headers: { authorization: `Bearer ${token}` } };
  }
  registered += 1;
  const email = options.email ?? `user-${String(registered)}-${randomBytes(3).toString('hex')}@example.com`;
  const password = options.password ?? TEST_PASSWORD;
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email, password, ...(options.name !== undefined && { name: options.name }) },
  });
  if (response.statusCode !== 201) throw new Error(`register: ${String(response.statusCode)} ${response.body}`);
  const body = response.json<{ user: { id: string }; accessToken: string; refreshToken: string }>();
  return {
    id: body.user.id,
    email,
    password,
    token: body.accessToken,
    refreshToken: body.refreshToken,
    headers: { authorization: `Bearer ${body.accessToken}` },
  };
}

export type TestMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** An authenticated call with a JSON body, through `app.inject` (no port). */
export function call(
  t: Pick<TestApp, 'app'>,
  user: Pick<TestUser, 'headers'>,
  method: TestMethod,
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  return t.app.inject({ method, url, headers: { ...user.headers, ...headers }, ...(payload !== undefined && { payload: payload as object }) });
}
