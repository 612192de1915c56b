import { describe, expect, it } from 'vitest';
import { createHttpApp, isDependencyUnavailable } from '@expensio/common';

function coded(message: string, code: string) {
  return Object.assign(new Error(message), { code });
}

describe('isDependencyUnavailable', () => {
  it.each([
    ['a refused connection', coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset socket', coded('read ECONNRESET', 'ECONNRESET')],
    ['PostgreSQL shutting down', coded('terminating connection due to administrator command', '57P01')],
    ['a broken connection', coded('connection failure', '08006')],
    ['a socket closed under a query', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    [
      'ioredis giving up',
      Object.assign(new Error('Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.'), {
        name: 'MaxRetriesPerRequestError',
      }),
    ],
    ['a closed Redis connection', new Error('Connection is closed.')],
    ['a connect to every address refused', new AggregateError([coded('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], '')],
    ['one of those as the cause', new Error('could not save', { cause: coded('read ECONNRESET', 'ECONNRESET') })],
  ])('holds %s for an outage', (_, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', coded('duplicate key value violates unique constraint', '23505')],
    ['a bug', new TypeError('x is undefined')],
    ['a string', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('holds %s for no outage', (_, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});

describe('the problem handler', () => {
  it('answers an unreachable dependency 503 with retry-after, and a bug 500', async () => {
    const app = await createHttpApp({
      title: 'Test',
      version: '1',
      logger: false,
      trustProxy: [],
      corsOrigins: [],
      rateLimit: { max: 1000, windowMs: 60_000 },
      readiness: [],
    });
    app.get('/down', async () => {
      throw coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
    });
    app.get('/bug', async () => {
      throw new TypeError('x is undefined');
    });
    try {
      const down = await app.inject({ method: 'GET', url: '/down' });
      expect(down.statusCode).toBe(503);
      expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(Number(down.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(down.json()).toMatchObject({ code: 'dependency_unavailable', status: 503 });
      expect(down.body).not.toContain('5432');
      expect((await app.inject({ method: 'GET', url: '/bug' })).statusCode).toBe(500);
    } finally {
      await app.close();
    }
  });
});
