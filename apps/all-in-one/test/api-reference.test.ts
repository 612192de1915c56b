import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessTransport } from '@expensio/common';
import { call, createTestExpensio, register, type TestExpensio } from './helpers.js';

// The document and the /docs page as a reader (or the page's "Try it") meets them: in the all-in-one
// app, which registers every service's routes.

interface Media {
  schema?: {
    $ref?: string;
    example?: unknown;
    examples?: unknown[];
    type?: string;
    properties?: Record<string, { type?: string; format?: string }>;
    required?: string[];
  };
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface OperationObject {
  security?: unknown[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
interface Document {
  servers?: { url: string }[];
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, unknown> };
}

let t: TestExpensio;
let doc: Document;

beforeAll(async () => {
  t = await createTestExpensio(new InProcessTransport());
  doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<Document>();
});
afterAll(async () => {
  await t.close();
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, path, op })),
  );
const PROBLEM_REF = '#/components/schemas/Problem';
const problemAnswers = (op: OperationObject) =>
  Object.entries(op.responses)
    .filter(([, response]) => response.content?.['application/problem+json']?.schema?.$ref === PROBLEM_REF)
    .map(([status]) => status);

function exampleOf(media: Media | undefined): unknown {
  return media?.example ?? Object.values(media?.examples ?? {})[0]?.value ?? media?.schema?.examples?.[0] ?? media?.schema?.example;
}

describe('the OpenAPI document', () => {
  it('names a server, so samples and "Try it" have an address', () => {
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(doc.servers?.[0]?.url).toBe('/');
  });

  it('documents the error answers of every API operation with the shared problem schema', () => {
    expect(doc.components.schemas.Problem).toBeDefined();
    const api = operations().filter(({ path }) => path.startsWith('/api/'));
    expect(api.length).toBeGreaterThan(70);
    expect(api.filter(({ op }) => !problemAnswers(op).some((status) => status.startsWith('4'))).map(({ name }) => name)).toEqual([]);
    // Auth-protected operations document 401, and every rate-limited one 429.
    expect(api.filter(({ op }) => op.security !== undefined && !problemAnswers(op).includes('401')).map(({ name }) => name)).toEqual([]);
    expect(api.filter(({ op }) => !problemAnswers(op).includes('429')).map(({ name }) => name)).toEqual([]);
    const create = doc.paths['/api/transactions']?.post;
    expect(create && problemAnswers(create)).toEqual(expect.arrayContaining(['400', '401', '404', '409', '422', '429', '500']));
    expect(create?.responses['201']).toBeDefined();
  });

  it('documents, for its operation, every status the API answered a careless or hostile client with', async () => {
    const member = await register(t);
    const readOnly = (await call(t, member, 'POST', '/api/auth/tokens', { name: 'script', scopes: ['read'], expiresInDays: 1 })).json<{ token: string }>();
    const asScript = { authorization: `Bearer ${readOnly.token}` };
    const json = { 'content-type': 'application/json' };
    // A debt whose minimum never covers its interest: its schedule and the plan are 422s.
    const endless = (
      await call(t, member, 'POST', '/api/debts', { name: 'Endless', kind: 'loan', balance: '10000.00', annualRate: '50', minimumPayment: '10.00', dueDay: 5 })
    ).json<{ id: string }>();
    const met = [
      { path: '/api/analytics/forecast', method: 'get', request: { headers: member.headers } },
      { path: '/api/debts/{id}/schedule', method: 'get', url: `/api/debts/${endless.id}/schedule`, request: { headers: member.headers } },
      { path: '/api/debts/plan', method: 'get', request: { headers: member.headers } },
      { path: '/api/auth/login', method: 'post', request: { payload: { email: member.email, password: 'not the password at all' } } },
      { path: '/api/auth/refresh', method: 'post', request: { payload: { refreshToken: 'not-a-refresh-token' } } },
      { path: '/api/auth/login/step-up', method: 'post', request: { payload: { challengeId: '0190f3a0-0000-7000-8000-000000000001', code: '123456' } } },
      { path: '/api/auth/otp/verify', method: 'post', request: { payload: { email: member.email, code: '000000' } } },
      { path: '/api/accounts', method: 'post', request: { headers: asScript, payload: { name: 'Cash', type: 'cash', currency: 'USD' } } },
      { path: '/api/auth/profile', method: 'patch', request: { headers: asScript, payload: { name: 'Script' } } },
      {
        path: '/api/accounts',
        method: 'post',
        request: { headers: { ...member.headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=Cash' },
      },
      { path: '/api/accounts/{id}', method: 'get', url: `/api/accounts/${'x'.repeat(200)}`, request: { headers: member.headers } },
      { path: '/.well-known/jwks.json', method: 'get', request: {} },
      { path: '/api/transactions', method: 'get', url: '/api/transactions?category=no-such-category', request: { headers: member.headers } },
      { path: '/api/analytics/forecast', method: 'get', url: '/api/analytics/forecast?category=no-such-category', request: { headers: member.headers } },
      {
        path: '/api/analytics/cash-flow',
        method: 'get',
        url: '/api/analytics/cash-flow?accountId=0190f3a0-0000-7000-8000-000000000009',
        request: { headers: member.headers },
      },
    ];
    const undocumented: string[] = [];
    for (const { path, method, url, request } of met) {
      const headers = { ...json, ...member.headers, ...(request as { headers?: Record<string, string> }).headers };
      if (!('headers' in request)) delete (headers as Record<string, string>).authorization;
      const response = await t.app.inject({ method: method.toUpperCase() as 'GET', url: url ?? path, ...request, headers });
      if (doc.paths[path]?.[method]?.responses[String(response.statusCode)] === undefined) undocumented.push(`${method} ${path} ${response.statusCode}`);
    }
    expect(undocumented).toEqual([]);
  });

  it('documents a success answer for every operation, the streamed export included', () => {
    const undocumented = operations()
      .filter(({ op }) => !Object.keys(op.responses).some((status) => /^2\d\d$/.test(status)))
      .map(({ name }) => name);
    expect(undocumented).toEqual([]);
  });

  it('describes the export as the JSON document it streams, or a zip', async () => {
    const content = doc.paths['/api/export']?.get?.responses['200']?.content ?? {};
    expect(Object.keys(content).sort()).toEqual(['application/json', 'application/zip']);
    expect(content['application/zip']?.schema).toMatchObject({ type: 'string', format: 'binary' });
    const documented = content['application/json']?.schema?.required ?? [];
    const member = await register(t);
    const served = (await call(t, member, 'GET', '/api/export')).json<Record<string, unknown>>();
    expect(documented.length).toBeGreaterThan(0);
    for (const field of documented) expect(served).toHaveProperty(field);
  });

  it('describes the import body as a multipart form with a file, and as raw CSV', () => {
    const content = doc.paths['/api/transactions/import']?.post?.requestBody?.content ?? {};
    const form = content['multipart/form-data']?.schema;
    expect(form?.required).toContain('file');
    expect(form?.properties?.file).toMatchObject({ type: 'string', format: 'binary' });
    expect(form?.properties?.accountId).toMatchObject({ type: 'string', format: 'uuid' });
    expect(content['text/csv']?.schema?.type).toBe('string');
    expect(String(exampleOf(content['text/csv']))).toMatch(/^date,amount/);
  });

  const MAIN_BODIES = ['/api/auth/register', '/api/auth/login', '/api/transactions', '/api/budgets', '/api/goals', '/api/debts', '/api/webhooks'];

  it('gives the main request bodies examples that the API accepts', async () => {
    const examples = Object.fromEntries(MAIN_BODIES.map((path) => [path, exampleOf(doc.paths[path]?.post?.requestBody?.content['application/json'])]));
    expect(MAIN_BODIES.filter((path) => typeof examples[path] !== 'object')).toEqual([]);

    const registered = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: examples['/api/auth/register'] as object });
    expect(registered.statusCode, registered.body).toBe(201);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: examples['/api/auth/login'] as object });
    expect(login.statusCode, login.body).toBe(200);
    const member = await register(t);
    for (const path of ['/api/transactions', '/api/budgets', '/api/goals', '/api/debts']) {
      const response = await call(t, member, 'POST', path, examples[path]);
      expect(response.statusCode, `${path} ${response.body}`).toBe(201);
    }
  });
});

describe('the reference page', () => {
  it('loads nothing from another origin and hides the vendor cloud features', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/\b(?:https?:)?\/\/[\w.-]+/g) ?? []).toEqual([]);
    const script = /<script src="([^"]+)"/.exec(page.body)?.[1];
    expect(script).toBe('js/scalar.js');
    expect((await t.app.inject({ method: 'GET', url: `/docs/${script ?? ''}` })).statusCode).toBe(200);

    const configuration = /createApiReference\('#app', (\{[\s\S]*?\})\)\s*<\/script>/.exec(page.body)?.[1];
    expect(JSON.parse(configuration ?? '{}')).toMatchObject({
      url: '/openapi.json',
      withDefaultFonts: false,
      telemetry: false,
      hideClientButton: true,
      showDeveloperTools: 'never',
      agent: { disabled: true },
    });
  });
});
