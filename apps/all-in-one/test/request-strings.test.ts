import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessTransport } from '@expensio/common';
import { call, fillEveryService, register, type Member, type TestExpensio, createTestExpensio } from './helpers.js';
import { operationsOf, resolver, sample, stringPaths, stringSchemas, type JsonSchema, type OpenApiDocument, type Operation } from './openapi/schemas.js';

// The all-in-one app registers every service's routes, so its document holds every operation of
// identity, finance and realtime.

let t: TestExpensio;
let doc: OpenApiDocument;
let resolve: (schema: JsonSchema) => JsonSchema;

beforeAll(async () => {
  t = await createTestExpensio(new InProcessTransport());
  doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDocument>();
  resolve = resolver(doc);
});
afterAll(async () => {
  await t.close();
});

/** What the request may carry as a string field: body, query and path (headers are Node's to refuse). */
function requestStrings(op: Operation) {
  return [
    ...op.parameters
      .filter((p) => p.in !== 'header')
      .flatMap((p) => stringSchemas(p.schema, resolve).map((schema) => ({ where: `${p.in}:${p.name}`, schema }))),
    ...(op.body === undefined ? [] : stringPaths(op.body, resolve).map(({ path, schema }) => ({ where: `body:${path.join('.')}`, schema }))),
  ];
}

describe('request schemas', () => {
  it('cover every service', () => {
    const paths = Object.keys(doc.paths);
    for (const prefix of ['/api/auth/', '/api/accounts', '/api/transactions', '/api/webhooks'])
      expect(
        paths.some((p) => p.startsWith(prefix)),
        prefix,
      ).toBe(true);
  });

  // The guard: a plain z.string() in a request shows in the document without a pattern. Use
  // text() or multilineText() from @expensio/common (or an enum, a uuid, a date...). A secret only
  // hashed and compared, never stored, may stay as typed with format: password.
  it('give every string a pattern, an enum or a constant, so none lets a control character through unseen', () => {
    const unguarded = operationsOf(doc).flatMap((op) =>
      requestStrings(op)
        .filter(({ schema }) => schema.pattern === undefined && schema.enum === undefined && schema.const === undefined && schema.format !== 'password')
        .map(({ where }) => `${op.method} ${op.path} ${where}`),
    );
    expect(unguarded).toEqual([]);
  });
});

// Overlong encodings, an encoded surrogate, bytes that never start UTF-8: not valid UTF-8 at all.
const RAW_BYTES = Buffer.from([0xc0, 0xaf, 0xe0, 0x80, 0xaf, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80, 0xff, 0xfe]);
const RAW_MARK = 'RAW_BYTES_GO_HERE';
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

const NUL = 'a\u0000b';
const NASTY: string[] = [
  NUL,
  // Fine where a text may span lines (it then reaches the database), refused elsewhere.
  'tab\there, line\nbreak\r\n',
  'controls \u0001 \u001b[31m \u007f \u0085 \u009b',
  'lone \ud800 high, \udfff low, reversed \udc00\ud800',
  'replacement \ufffd, non-characters \ufffe\uffff, emoji 😀',
  'x'.repeat(100_000),
  ...fc.sample(fc.string({ unit: anyCodeUnit, minLength: 1, maxLength: 30 }), { numRuns: 2, seed: 8 }),
  RAW_MARK,
];

interface Sent {
  status: number;
  body: string;
}

function setIn(target: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(target) && typeof head === 'number') return target.map((item: unknown, i) => (i === head ? setIn(item, rest, value) : item));
  const copy = { ...(target as Record<string, unknown>) };
  if (head !== undefined) copy[head] = setIn(copy[head], rest, value);
  return copy;
}

function encode(value: string): string {
  if (value === RAW_MARK) return [...RAW_BYTES].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
  // encodeURIComponent refuses a lone surrogate: send its UTF-16 code unit escaped as a client might.
  return value.replace(/[\ud800-\udbff][\udc00-\udfff]|[^\ud800-\udfff]+|[\ud800-\udfff]/g, (part) =>
    /^[\ud800-\udfff]$/.test(part) ? `%${part.charCodeAt(0).toString(16)}` : encodeURIComponent(part),
  );
}

function jsonPayload(body: unknown): string | Buffer {
  const json = JSON.stringify(body);
  if (!json.includes(RAW_MARK)) return json;
  const [before = '', after = ''] = json.split(RAW_MARK);
  return Buffer.concat([Buffer.from(before), RAW_BYTES, Buffer.from(after)]);
}

describe('every string field of every operation, sent control characters, huge and broken text', () => {
  let member: Member;
  let other: Member;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // An admin, so the admin routes are reached too, and a second user for them to act on.
    const first = await register(t);
    await sql`update identity.users set role = 'admin' where id = ${first.id}::uuid`.execute(t.database.kysely);
    other = await register(t);
    const email = (await call(t, first, 'GET', '/api/auth/profile')).json<{ email: string }>().email;
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: first.password } });
    member = { ...first, headers: { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` } };
    await fillEveryService(t, member);
    const second = await call(t, member, 'POST', '/api/accounts', { name: 'Second', type: 'savings' });
    const firstOf = async (url: string) => (await call(t, member, 'GET', url)).json<{ items: { id: string; isDefault?: boolean }[] }>().items;
    ids.accountId = ids.fromAccountId = (await firstOf('/api/accounts')).find((a) => a.isDefault === true)?.id ?? '';
    ids.toAccountId = second.json<{ id: string }>().id;
    ids.transactionId = (await firstOf('/api/transactions'))[0]?.id ?? '';
  });

  /** A real id for `{id}` in /api/<collection>/{id}, so the request reaches the row. */
  async function pathIds(op: Operation): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const param of op.parameters.filter((p) => p.in === 'path')) {
      if (param.name === 'id') {
        const collection = /^(\/api\/(?:admin\/)?[\w-]+)/.exec(op.path)?.[1] ?? '';
        const items = (await call(t, member, 'GET', collection)).json<{ items?: { id: string; isDefault?: boolean }[] }>().items ?? [];
        const own = items.filter((i) => i.isDefault !== true && i.id !== member.id);
        values.id = collection === '/api/admin/users' ? other.id : ((own[0] ?? items[0])?.id ?? randomUUID());
      } else {
        values[param.name] = ids[param.name] ?? randomUUID();
      }
    }
    return values;
  }

  async function send(op: Operation, pathValues: Record<string, string>, query: string, body: unknown): Promise<Sent> {
    const url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name] ?? '') + query;
    const response = await t.app.inject({
      method: op.method as 'GET',
      url,
      headers: { ...member.headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { payload: jsonPayload(body) }),
    });
    return { status: response.statusCode, body: response.body };
  }

  it('imports a CSV whose every cell is such a string without a 5xx, rejecting the row by line (before logout ends the session)', async () => {
    const columns = ['date', 'amount', 'type', 'description', 'category', 'merchant', 'tags', 'currency'];
    const valid = ['2026-03-01', '-1.00', 'expense', 'fine', 'groceries', 'shop', 'a;b', 'USD'];
    const quote = (cell: string) => `"${cell.replaceAll('"', '""')}"`;
    const failures: string[] = [];
    for (const [index, column] of columns.entries()) {
      for (const value of NASTY) {
        const cells = valid.map((cell, i) => (i === index ? value : cell));
        const text = `${columns.join(',')}\n${cells.map(quote).join(',')}\n`;
        const payload =
          value === RAW_MARK
            ? Buffer.concat(text.split(RAW_MARK).flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [RAW_BYTES, Buffer.from(part)])))
            : text;
        const response = await t.app.inject({
          method: 'POST',
          url: '/api/transactions/import',
          headers: { ...member.headers, 'content-type': 'text/csv' },
          payload,
        });
        if (response.statusCode >= 500) failures.push(`${column}=${JSON.stringify(value.slice(0, 30))}: ${response.statusCode} ${response.body.slice(0, 200)}`);
        if (value === NUL) {
          expect(response.statusCode, column).toBe(200);
          expect(response.json<{ problems: unknown[] }>().problems, column).toContainEqual({
            row: 2,
            field: column,
            message: expect.stringContaining('control characters'),
          });
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers none of them with a 5xx, and refuses a NUL in a checked field with a 400 naming it', { timeout: 180_000 }, async () => {
    const failures: string[] = [];
    const note = (op: Operation, where: string, value: string, sent: Sent, why: string) => {
      failures.push(`${op.method} ${op.path} ${where}=${JSON.stringify(value.slice(0, 30))}: ${sent.status} ${why} ${sent.body.slice(0, 200)}`);
    };
    const names = (sent: Sent) => (JSON.parse(sent.body) as { errors?: { field: string; in: string }[] }).errors ?? [];

    // Ending the session (or the account) would leave the rest unauthenticated: those go last.
    const last = ['/api/auth/account', '/api/auth/logout'];
    const operations = operationsOf(doc).sort((a, b) => last.indexOf(a.path) - last.indexOf(b.path));
    let requests = 0;
    for (const op of operations) {
      if (op.path === '/api/auth/logout') expect((await call(t, member, 'GET', '/api/auth/profile')).statusCode, 'still signed in until logout').toBe(200);
      const pathValues = await pathIds(op);
      const body = op.body === undefined ? undefined : sample(op.body, resolve, { ids });
      for (const param of op.parameters.filter((p) => p.in === 'path' || p.in === 'query')) {
        if (stringSchemas(param.schema, resolve).length === 0) continue;
        for (const value of NASTY) {
          const sent =
            param.in === 'path'
              ? await send(op, { ...pathValues, [param.name]: encode(value) }, '', body)
              : await send(op, pathValues, `?${param.name}=${encode(value)}`, body);
          requests += 1;
          if (sent.status >= 500) note(op, `${param.in}:${param.name}`, value, sent, '5xx');
          else if (
            param.in === 'query' &&
            value === NUL &&
            (sent.status !== 400 || !names(sent).some((e) => e.field === param.name && e.in === 'querystring'))
          ) {
            note(op, `query:${param.name}`, value, sent, 'NUL not refused by name');
          }
        }
      }
      for (const { path, schema } of op.body === undefined ? [] : stringPaths(op.body, resolve)) {
        const field = path.join('.');
        for (const value of NASTY) {
          const sent = await send(op, pathValues, '', setIn(body, path, value));
          requests += 1;
          if (sent.status >= 500) note(op, `body:${field}`, value, sent, '5xx');
          else if (value === NUL && schema.format !== 'password' && (sent.status !== 400 || !names(sent).some((e) => e.field === field && e.in === 'body'))) {
            note(op, `body:${field}`, value, sent, 'NUL not refused by name');
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(500);
  });
});
