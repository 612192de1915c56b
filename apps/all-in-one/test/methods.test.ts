import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessTransport, PROBLEM_CONTENT_TYPE } from '@expensio/common';
import { createTestExpensio, type TestExpensio } from './helpers.js';

// Every documented route of every service: a method it does not declare is a 405 naming those it
// does, never a 404 that says the address is wrong.

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const SOME_ID = '0190a5b4-8c1e-7c3a-9f00-1234567890ab';

let t: TestExpensio;
beforeAll(async () => {
  t = await createTestExpensio(new InProcessTransport());
});
afterAll(async () => {
  await t.close();
});

describe('undeclared methods', () => {
  it('answers each documented path with 405 and Allow for every method it does not declare', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const paths = Object.entries(document.paths);
    expect(paths.length).toBeGreaterThan(40);
    const patterns = paths.map(([template, operations]) => ({
      regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      methods: Object.keys(operations).map((method) => method.toUpperCase()),
    }));
    for (const [template] of paths) {
      const url = template.replace(/\{[^}]+\}/g, SOME_ID);
      // `/api/accounts/{id}` also answers `/api/accounts/transfers`: every route the URL reaches counts.
      const declared = [...new Set(patterns.filter((p) => p.regex.test(url)).flatMap((p) => p.methods))];
      const expectedAllow = [...declared, ...(declared.includes('GET') ? ['HEAD'] : [])].sort().join(', ');
      for (const method of METHODS.filter((m) => !declared.includes(m))) {
        const response = await t.app.inject({ method, url });
        expect(response.statusCode, `${method} ${template}`).toBe(405);
        expect(response.headers.allow, `${method} ${template}`).toBe(expectedAllow);
        expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
        expect(response.json()).toMatchObject({ status: 405, code: 'method_not_allowed' });
      }
    }
  });

  it('names the methods of PUT /api/transactions', async () => {
    const response = await t.app.inject({ method: 'PUT', url: '/api/transactions' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD, PATCH, POST');
  });

  it('keeps 404 for a path no service has', async () => {
    const response = await t.app.inject({ method: 'PUT', url: '/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'route_not_found' });
  });
});
