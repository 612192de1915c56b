import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InProcessTransport } from '@expensio/common';
import { TcpProxy, testRedisUrl } from '@expensio/common/testing';
import { call, createTestExpensio, register, type Member, type TestExpensio } from './helpers.js';

// Redis out of reach with REDIS_URL set (integration tier only): the app reaches Redis through a
// TCP proxy the test cuts. Redis holds the token denylist and the rate limits, so while it is away
// nobody can tell whether a token was revoked: authenticated requests must be refused (fail
// closed), a revoked token above all, and served again once Redis is back.

const REDIS_URL = testRedisUrl() ?? '';
const WAIT = { timeout: 30_000, interval: 100 };

describe.runIf(REDIS_URL !== '')('Redis unreachable', () => {
  let proxy: TcpProxy;
  let redis: Redis;
  let t: TestExpensio;
  let member: Awaited<ReturnType<typeof register>>;
  let loggedOut: Member;

  beforeAll(async () => {
    proxy = await TcpProxy.start(new URL(REDIS_URL));
    const url = new URL(REDIS_URL);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    // The options of a service's own client (service/run.ts): a command fails after two
    // reconnection attempts instead of waiting in the offline queue.
    redis = new Redis(url.toString(), { maxRetriesPerRequest: 2 });
    redis.on('error', () => undefined);
    t = await createTestExpensio(new InProcessTransport(), { redis });
    [member, loggedOut] = [await register(t), await register(t)];
    expect((await call(t, loggedOut, 'POST', '/api/auth/logout', {})).statusCode).toBe(204);
  });

  afterAll(async () => {
    await t.close();
    redis.disconnect();
    await proxy.close();
  });

  async function expectUnavailable(response: Awaited<ReturnType<typeof call>>) {
    expect(response.statusCode, response.body).toBe(503);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  }

  it('refuses authenticated requests with 503 while Redis is away, a revoked token included, and serves them again after', async () => {
    expect((await call(t, member, 'GET', '/api/transactions')).statusCode).toBe(200);
    expect((await call(t, loggedOut, 'GET', '/api/transactions')).statusCode).toBe(401);

    proxy.cut();
    try {
      await vi.waitFor(async () => {
        expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(503);
      }, WAIT);
      await expectUnavailable(await call(t, member, 'GET', '/api/transactions'));
      // The denylist cannot be read: the revoked token is not let through.
      await expectUnavailable(await call(t, loggedOut, 'GET', '/api/transactions'));
      await expectUnavailable(await call(t, member, 'POST', '/api/transactions', { type: 'expense', amount: '2.00', description: 'during the outage' }));
      // Sign-in attempts are counted in Redis: no counting, no sign-in.
      const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: member.email, password: member.password } });
      await expectUnavailable(login);
      // Liveness does not depend on Redis: the process is fine, only not ready.
      expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await proxy.restore();
    }

    await vi.waitFor(async () => {
      expect((await call(t, member, 'GET', '/api/transactions')).statusCode).toBe(200);
    }, WAIT);
    expect((await t.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    expect((await call(t, loggedOut, 'GET', '/api/transactions')).statusCode).toBe(401);
    expect((await call(t, member, 'POST', '/api/transactions', { type: 'expense', amount: '3.00', description: 'after the outage' })).statusCode).toBe(201);
    // The refused write left nothing behind.
    const stored = await sql<{ description: string }>`
      select description from finance.transactions where user_id = ${member.id}::uuid`.execute(t.database.kysely);
    expect(stored.rows.map((r) => r.description)).toEqual(['after the outage']);
    expect(proxy.connections).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
