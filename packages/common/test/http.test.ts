import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConflictError,
  createHttpApp,
  fieldError,
  loggerOptions,
  PROBLEM_CONTENT_TYPE,
  TooManyRequestsError,
  type HttpApp,
  type ProblemDocument,
} from '@expensio/common';

interface LogRecord {
  level: number;
  msg?: string;
  reqId?: string;
  err?: { type?: string; message?: string; stack?: string };
  failed?: string[];
  req?: { method?: string; url?: string };
}

const SECRET_MESSAGE = 'connection to db-primary.internal:5432 refused for user ledger_rw';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const logLines: string[] = [];
const logRecords = () => logLines.map((line) => JSON.parse(line) as LogRecord);
let databaseUp = true;
let app: HttpApp;

// The global limit keys on the client address: each request comes from a new one unless a test
// says otherwise, so only the rate-limit test ever reaches `max`.
let lastAddress = 0;
function nextAddress() {
  lastAddress += 1;
  return `10.1.${Math.floor(lastAddress / 250)}.${(lastAddress % 250) + 1}`;
}

beforeAll(async () => {
  const logger = pino(loggerOptions('info', 'http-test'), {
    write: (line: string) => {
      logLines.push(line);
    },
  });
  app = await createHttpApp({
    title: 'Test API',
    version: '9.9.9',
    logger,
    trustProxy: [],
    corsOrigins: [],
    rateLimit: { max: 3, windowMs: 60_000 },
    readiness: [
      {
        name: 'database',
        check: () => (databaseUp ? Promise.resolve() : Promise.reject(new Error('database is down'))),
      },
      { name: 'cache', check: () => Promise.resolve() },
    ],
  });

  app.get('/boom', async () => {
    await Promise.resolve();
    throw new Error(SECRET_MESSAGE);
  });
  app.get('/slow-down', async () => {
    await Promise.resolve();
    throw new TooManyRequestsError(42.3, 'Wait a little', 'too_fast');
  });
  app.get('/taken', async () => {
    await Promise.resolve();
    throw new ConflictError('That name is taken', 'name_taken');
  });
  app.post('/rule', { schema: { body: z.object({ name: z.string() }) } }, async () => {
    await Promise.resolve();
    throw fieldError('name', 'Must not be a reserved word', 'reserved');
  });
  app.post(
    '/items',
    {
      schema: {
        summary: 'Create an item',
        body: z.object({ name: z.string().min(1), amount: z.number().int(), tags: z.array(z.string()).max(2) }),
        response: { 201: z.object({ id: z.string(), name: z.string() }) },
      },
    },
    async (request, reply) => {
      // The extra field must be dropped by the response schema.
      return reply.status(201).send({ id: 'item-1', name: request.body.name, secretHash: 'argon2-hash' } as { id: string; name: string });
    },
  );
  app.get(
    '/items/:id',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ limit: z.coerce.number().int().max(100).optional() }),
        response: { 200: z.object({ id: z.string() }) },
      },
    },
    async (request) => {
      await Promise.resolve();
      return { id: request.params.id };
    },
  );
  app.post('/strict', { schema: { body: z.strictObject({ name: z.string(), owner: z.strictObject({ id: z.string() }).optional() }) } }, async () => {
    await Promise.resolve();
    return { ok: true };
  });
  app.get('/ping', async () => {
    await Promise.resolve();
    return { pong: true };
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

function inject(options: InjectOptions & { url: string }): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', remoteAddress: nextAddress(), ...options });
}

function expectProblem(response: LightMyRequestResponse, status: number, code: string): ProblemDocument {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
  const body = response.json<ProblemDocument>();
  expect(body).toMatchObject({ status, code, type: `urn:expensio:problem:${code}` });
  expect(body.requestId).toBe(response.headers['x-request-id']);
  return body;
}

describe('errors as problem+json', () => {
  it('answers an unexpected error with 500 internal_error, leaking nothing, and logs it with the request id', async () => {
    const response = await inject({ url: '/boom?debug=1' });
    const body = expectProblem(response, 500, 'internal_error');
    expect(body).toMatchObject({ title: 'Internal Server Error', instance: '/boom' });
    expect(body.requestId).toMatch(UUID_RE);
    expect(response.body).not.toContain('db-primary');
    expect(response.body).not.toContain('ledger_rw');
    expect(response.body).not.toMatch(/stack|at .*\.ts|Error:/);

    const logged = logRecords().filter((r) => r.reqId === body.requestId && r.level === 50);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.err?.message).toBe(SECRET_MESSAGE);
    expect(logged[0]?.err?.stack).toContain('Error:');
  });

  it('maps an AppError subclass to its status, code and headers', async () => {
    const limited = await inject({ url: '/slow-down' });
    const body = expectProblem(limited, 429, 'too_fast');
    expect(body).toMatchObject({ title: 'Too Many Requests', detail: 'Wait a little', instance: '/slow-down' });
    expect(limited.headers['retry-after']).toBe('43');

    const taken = await inject({ url: '/taken' });
    expect(expectProblem(taken, 409, 'name_taken').detail).toBe('That name is taken');
    expect(taken.headers['retry-after']).toBeUndefined();
  });

  it('does not log client errors as failures', async () => {
    const response = await inject({ url: '/taken' });
    const requestId = response.headers['x-request-id'];
    expect(logRecords().filter((r) => r.reqId === requestId && r.level >= 50)).toEqual([]);
  });

  it('answers a rule violated in a handler with 400 naming the field', async () => {
    const response = await inject({ method: 'POST', url: '/rule', payload: { name: 'admin' } });
    const body = expectProblem(response, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'name', in: 'body', message: 'Must not be a reserved word', code: 'reserved' }]);
  });

  it('answers a body that breaks the Zod schema with 400 naming each field', async () => {
    const response = await inject({ method: 'POST', url: '/items', payload: { name: '', amount: 1.5, tags: 'x' } });
    const body = expectProblem(response, 400, 'validation_failed');
    expect(body.title).toBe('Invalid request');
    expect(body.errors?.map((e) => e.field).sort()).toEqual(['amount', 'name', 'tags']);
    for (const error of body.errors ?? []) {
      expect(error.in).toBe('body');
      expect(error.message.length).toBeGreaterThan(0);
      expect(body.detail).toContain(`${error.field}: `);
    }
  });

  it('names nested fields by their dotted path', async () => {
    const response = await inject({ method: 'POST', url: '/items', payload: { name: 'x', amount: 1, tags: ['ok', 7] } });
    const body = expectProblem(response, 400, 'validation_failed');
    expect(body.errors).toEqual([expect.objectContaining({ field: 'tags.1', in: 'body' })]);
  });

  it('names each field a strict body does not know, by its own dotted path, rather than the whole body', async () => {
    const response = await inject({ method: 'POST', url: '/strict', payload: { name: 'a', role: 'admin', userId: 'x', owner: { id: '1', admin: true } } });
    const body = expectProblem(response, 400, 'validation_failed');
    expect(body.errors).toHaveLength(3);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'role', in: 'body', message: 'is not a field of this request', code: 'unrecognized_keys' },
        { field: 'userId', in: 'body', message: 'is not a field of this request', code: 'unrecognized_keys' },
        { field: 'owner.admin', in: 'body', message: 'is not a field of this request', code: 'unrecognized_keys' },
      ]),
    );
  });

  it('says which part of the request was wrong for params and querystring', async () => {
    const params = await inject({ url: '/items/not-a-uuid' });
    expect(expectProblem(params, 400, 'validation_failed').errors).toEqual([expect.objectContaining({ field: 'id', in: 'params' })]);
    const query = await inject({ url: '/items/0190a5b4-8c1e-7c3a-9f00-1234567890ab?limit=1000' });
    expect(expectProblem(query, 400, 'validation_failed').errors).toEqual([expect.objectContaining({ field: 'limit', in: 'querystring' })]);
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const response = await inject({ method: 'POST', url: '/items', payload: '{"name": "x",', headers: { 'content-type': 'application/json' } });
    const body = expectProblem(response, 400, 'malformed_json');
    expect(body.instance).toBe('/items');
  });

  it("answers a body type no parser takes with the project's 415 unsupported_media_type, not Fastify's code", async () => {
    const response = await inject({ method: 'POST', url: '/items', payload: '<item/>', headers: { 'content-type': 'application/xml' } });
    const body = expectProblem(response, 415, 'unsupported_media_type');
    expect(body).toMatchObject({ title: 'Unsupported Media Type', instance: '/items' });
  });

  it("answers a path parameter longer than the router takes with a 414 problem, not Fastify's own JSON", async () => {
    const response = await inject({ url: `/items/${'x'.repeat(5000)}` });
    const body = expectProblem(response, 414, 'uri_too_long');
    expect(body).toMatchObject({ title: 'URI Too Long', detail: 'A path parameter is longer than 100 characters' });
    expect(response.body).not.toContain('FST_');
  });

  it('answers a path it cannot decode with a 400 problem', async () => {
    const response = await inject({ url: '/items/%E0%A4%A' });
    const body = expectProblem(response, 400, 'bad_url');
    expect(body.detail).toBe('The path is not a valid URL component');
    expect(response.body).not.toContain('FST_');
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await inject({ url: '/nowhere?x=1' });
    const body = expectProblem(response, 404, 'route_not_found');
    expect(body).toMatchObject({ title: 'Not Found', instance: '/nowhere', detail: 'No route GET /nowhere' });
  });
});

describe('undeclared methods', () => {
  it('answers a known path asked with an undeclared method with a 405 problem naming the allowed ones', async () => {
    const put = await inject({ method: 'PUT', url: '/items?x=1', payload: {} });
    const body = expectProblem(put, 405, 'method_not_allowed');
    expect(put.headers.allow).toBe('POST');
    expect(body).toMatchObject({ title: 'Method Not Allowed', instance: '/items', detail: '/items answers POST, not PUT' });

    const remove = await inject({ method: 'DELETE', url: '/items/0190a5b4-8c1e-7c3a-9f00-1234567890ab' });
    expectProblem(remove, 405, 'method_not_allowed');
    expect(remove.headers.allow).toBe('GET, HEAD');

    const post = await inject({ method: 'POST', url: '/health' });
    expectProblem(post, 405, 'method_not_allowed');
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('keeps answering HEAD where GET is declared', async () => {
    const response = await inject({ method: 'HEAD', url: '/ping' });
    expect(response.statusCode).toBe(200);
  });

  it('keeps 404 for a path no route has, whatever the method', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS'] as const) {
      const response = await inject({ method, url: '/nowhere' });
      expectProblem(response, 404, 'route_not_found');
      expect(response.headers.allow).toBeUndefined();
    }
  });

  it('keeps CORS preflight working where cross-origin access is configured', async () => {
    const corsApp = await createHttpApp({
      title: 'CORS',
      version: '1',
      logger: false,
      trustProxy: [],
      corsOrigins: ['https://app.example'],
      rateLimit: { max: 100, windowMs: 60_000 },
      readiness: [],
    });
    corsApp.post('/items', async () => ({ ok: true }));
    try {
      const preflight = await corsApp.inject({
        method: 'OPTIONS',
        url: '/items',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
      const put = await corsApp.inject({ method: 'PUT', url: '/items', headers: { origin: 'https://app.example' } });
      expect(put.statusCode).toBe(405);
      expect(put.headers.allow).toBe('POST');
      expect(put.headers['access-control-allow-origin']).toBe('https://app.example');
    } finally {
      await corsApp.close();
    }
  });
});

describe('request logs', () => {
  it('redacts tokens, codes and other secrets from a logged URL, keeping the path and the other parameters', async () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';
    const query = [
      `access_token=${jwt}`,
      'limit=5',
      'token=secret-1',
      'code=481516',
      'refreshToken=secret-2',
      'refresh_token=secret-3',
      'newPassword=secret-4',
      'client_secret=secret-5',
      'api_key=secret-6',
      'X-Amz-Signature=secret-7',
      'text=coffee',
    ].join('&');
    const response = await inject({ url: `/ping?${query}` });
    expect(response.statusCode).toBe(200);
    const incoming = logRecords().find((r) => r.reqId === response.headers['x-request-id'] && r.msg === 'incoming request');
    expect(incoming?.req).toMatchObject({
      method: 'GET',
      url:
        '/ping?access_token=[redacted]&limit=[redacted]&token=[redacted]&code=[redacted]&refreshToken=[redacted]&refresh_token=[redacted]' +
        '&newPassword=[redacted]&client_secret=[redacted]&api_key=[redacted]&X-Amz-Signature=[redacted]&text=[redacted]',
    });
    const everything = logLines.join('\n');
    expect(everything).not.toContain('eyJhbGci');
    expect(everything).not.toMatch(/secret-\d|481516|coffee/);
  });

  it('redacts a token in the URL of a request that is refused', async () => {
    const response = await inject({ method: 'PUT', url: '/ping?access_token=eyJrefused.token.sig' });
    expect(response.statusCode).toBe(405);
    expect(logLines.join('\n')).not.toContain('eyJrefused');
  });
});

describe('successful responses', () => {
  it('serialises through the response schema, dropping fields it does not declare', async () => {
    const response = await inject({ method: 'POST', url: '/items', payload: { name: 'Rent', amount: 120_000, tags: [] } });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ id: 'item-1', name: 'Rent' });
    expect(response.body).not.toContain('argon2-hash');
  });

  it('sets the strict security headers on API routes', async () => {
    const response = await inject({ url: '/ping' });
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('grants no cross-origin access when no origin is configured', async () => {
    const response = await inject({ url: '/ping', headers: { origin: 'https://evil.example' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('request ids', () => {
  it('echoes a valid incoming x-request-id in the header, the problem and the log', async () => {
    const response = await inject({ url: '/boom', headers: { 'x-request-id': 'trace-7f3a.2:upstream' } });
    expect(response.headers['x-request-id']).toBe('trace-7f3a.2:upstream');
    expect(response.json<ProblemDocument>().requestId).toBe('trace-7f3a.2:upstream');
    expect(logRecords().some((r) => r.reqId === 'trace-7f3a.2:upstream' && r.level === 50)).toBe(true);
  });

  it.each([
    ['with spaces', 'not a valid id'],
    ['too long', 'x'.repeat(129)],
    ['with markup', '<script>'],
  ])('replaces an incoming id %s by a fresh UUID', async (_label, incoming) => {
    const response = await inject({ url: '/ping', headers: { 'x-request-id': incoming } });
    expect(response.headers['x-request-id']).toMatch(UUID_RE);
  });

  it('gives each request its own id', async () => {
    const [a, b] = await Promise.all([inject({ url: '/ping' }), inject({ url: '/ping' })]);
    expect(a.headers['x-request-id']).toMatch(UUID_RE);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});

describe('health, readiness and documentation', () => {
  it('answers /health with 200', async () => {
    const response = await inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers /ready with 200 and every check while they all pass', async () => {
    databaseUp = true;
    const response = await inject({ url: '/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'ok', cache: 'ok' } });
  });

  it('answers /ready with a 503 problem naming the failing check', async () => {
    databaseUp = false;
    try {
      const response = await inject({ url: '/ready' });
      const body = expectProblem(response, 503, 'not_ready');
      expect(body.detail).toBe('Not ready: database');
      const warned = logRecords().find((r) => r.reqId === body.requestId && r.msg === 'readiness check failed');
      expect(warned?.failed).toEqual(['database']);
    } finally {
      databaseUp = true;
    }
    expect((await inject({ url: '/ready' })).statusCode).toBe(200);
  });

  it('publishes an OpenAPI 3.1 document listing the routes', async () => {
    const response = await inject({ url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<{
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { summary?: string; requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>>;
      components: { securitySchemes: Record<string, unknown> };
    }>();
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: 'Test API', version: '9.9.9' });
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/items', '/items/{id}', '/ping', '/health', '/ready']));
    expect(document.paths['/openapi.json']).toBeUndefined();
    const create = document.paths['/items']?.post;
    expect(create?.summary).toBe('Create an item');
    expect(create?.requestBody?.content['application/json']?.schema.required?.sort()).toEqual(['amount', 'name', 'tags']);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves the API reference page at /docs, without the strict CSP that would blank it', async () => {
    let response = await inject({ url: '/docs' });
    if (response.statusCode >= 300 && response.statusCode < 400) {
      expect(response.headers.location).toMatch(/\/docs\/$/);
      response = await inject({ url: '/docs/' });
    }
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('/openapi.json');
    expect(response.headers['content-security-policy']).toBeUndefined();
  });
});

describe('global rate limit', () => {
  it('answers 429 problem with retry-after once a client passes max, but never limits /health', async () => {
    const remoteAddress = '203.0.113.9';
    for (let i = 0; i < 3; i += 1) {
      expect((await inject({ url: '/ping', remoteAddress })).statusCode).toBe(200);
    }
    const refused = await inject({ url: '/ping', remoteAddress });
    expectProblem(refused, 429, 'rate_limited');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    for (let i = 0; i < 5; i += 1) {
      expect((await inject({ url: '/health', remoteAddress })).statusCode).toBe(200);
      expect((await inject({ url: '/ready', remoteAddress })).statusCode).toBe(200);
    }
    // Other clients keep their own budget.
    expect((await inject({ url: '/ping', remoteAddress: '203.0.113.10' })).statusCode).toBe(200);
  });
});
