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

type Body = Record<string, unknown>;

/** Sets `key` to `replacement` wherever it occurs. */
function withEvery(value: unknown, key: string, replacement: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => withEvery(item, key, replacement));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, k === key ? replacement : withEvery(item, key, replacement)]));
}

/** Leaves out `keys` wherever they occur: a sample sets every optional field, some exclude others. */
function without(value: unknown, keys: string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => without(item, keys));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !keys.includes(key))
      .map(([key, item]) => [key, without(item, keys)]),
  );
}

/**
 * What turns an operation's generic sample into a request its handler carries out, so a string
 * swapped in reaches the rules and the SQL behind the schema, not only the schema.
 */
const SAMPLE_FIXES: Record<string, (body: Body, ids: Record<string, string>) => unknown> = {
  'POST /api/auth/register': (body) => ({ ...body, password: 'Sturdy-Orchid-Lantern-42' }),
  // Either a password or a code: the password (wrong), as the code is only digits.
  'POST /api/auth/totp/disable': (body) => without(body, ['code']),
  'DELETE /api/auth/account': (body) => without(body, ['code']),
  'POST /api/transactions/{id}/link-transfer': (body, ids) => ({ ...(without(body, ['counterpartId']) as Body), accountId: ids.toAccountId }),
  'POST /api/budgets': (body) => ({ ...body, rollover: 'surplus' }),
  'PUT /api/budgets/{id}': (body) => ({ ...body, rollover: 'surplus' }),
  // A mapping names either amount or debit and credit.
  'PUT /api/accounts/{id}/import-mapping': (body) => without(body, ['debit', 'credit']),
  'POST /api/import/backup': (body) => {
    // One default account; every reference names the document's first row of its kind.
    const fixed = without(body, ['debit', 'credit']) as Body & { accounts: Body[] };
    const first = (kind: string) => (fixed[kind] as { id: string }[] | undefined)?.[0]?.id;
    const references: [string, unknown][] = [
      ['accountId', first('accounts')],
      ['transferToAccountId', first('accounts')],
      ['categoryId', first('categories')],
      ['ruleId', first('recurringRules')],
      ['recurringRuleId', null],
      ['transferId', null],
      ['goalId', first('goals')],
      ['debtId', first('debts')],
      ['rollover', 'surplus'],
      ['interest', '0.00'],
      ['principal', '1.00'],
    ];
    const referenced = references.reduce<unknown>((doc, [key, id]) => withEvery(doc, key, id), fixed) as Body;
    return { ...referenced, accounts: fixed.accounts.map((account) => ({ ...account, isDefault: true })) };
  },
  // Categorising or making a transfer, not both: categorising, whose texts are the fuzz's.
  'POST /api/rules': (body) => without(body, ['transferToAccountId']),
  'PATCH /api/rules/{id}': (body) => without(body, ['transferToAccountId']),
  'PUT /api/rules/{id}': (body) => without(body, ['transferToAccountId']),
};

/**
 * Operations whose sample cannot be carried out here, and the answer it gets instead: each string
 * they take is a secret or a code only compared (or, for the last two, a note PUT and PATCH take too).
 */
const REFUSED_SAMPLES: Record<string, number[]> = {
  'POST /api/auth/login': [401],
  'POST /api/auth/login/step-up': [401],
  'POST /api/auth/login/step-up/resend': [401],
  'POST /api/auth/otp/verify': [401],
  'POST /api/auth/refresh': [401],
  'POST /api/auth/password/change': [400],
  'POST /api/auth/password/reset': [401],
  'POST /api/auth/totp/enable': [409],
  'POST /api/auth/totp/disable': [409],
  'POST /api/auth/totp/backup-codes': [409],
  // The member is the only admin (last_admin); deleting would end the run anyway.
  'DELETE /api/auth/account': [409],
  // Reviewed only when fraud scoring flagged the transaction; PATCH /api/transactions/{id} takes notes too.
  'PATCH /api/transactions/{id}/review': [200, 409],
  'POST /api/transaction-moods': [409],
};

/**
 * A backup restores only into a member with nothing recorded yet: the member the fuzz runs as gets
 * 409 account_not_empty once its strings pass the schema, so its sample is checked as a new member.
 */
const RESTORE = 'POST /api/import/backup';

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
    // The transactions a bulk PATCH names.
    ids.ids = ids.transactionId;
  });

  /** A real id for `{id}` in /api/<collection>/{id}, so the request reaches the row. */
  async function pathIds(op: Operation): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const param of op.parameters.filter((p) => p.in === 'path')) {
      if (param.name === 'id') {
        const collection = op.path.startsWith('/api/rules/from-transaction/') ? '/api/transactions' : (/^(\/api\/(?:admin\/)?[\w-]+)/.exec(op.path)?.[1] ?? '');
        const items = (await call(t, member, 'GET', collection)).json<{ items?: { id: string; isDefault?: boolean; type?: string }[] }>().items ?? [];
        // Not the default account, the admin themself or a transfer's leg: each refuses changes the fuzz makes.
        const own = items.filter((i) => i.isDefault !== true && i.id !== member.id && i.type?.startsWith('transfer') !== true);
        values.id = collection === '/api/admin/users' ? other.id : ((own[0] ?? items[0])?.id ?? randomUUID());
      } else {
        values[param.name] = ids[param.name] ?? randomUUID();
      }
    }
    return values;
  }

  async function send(op: Operation, pathValues: Record<string, string>, query: string, body: unknown, who: Member = member): Promise<Sent> {
    const url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name] ?? '') + query;
    const response = await t.app.inject({
      method: op.method as 'GET',
      url,
      headers: { ...who.headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
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

  // The document's operations are read for JSON bodies; the import's form fields are sent here.
  it('sends each form field of a multipart import such a string without a 5xx, refusing a NUL by name', async () => {
    const boundary = 'fuzz-boundary';
    const part = (name: string, value: string | Buffer, file = false) =>
      Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? '; filename="a.csv"\r\nContent-Type: text/csv' : ''}\r\n\r\n`),
        Buffer.from(value),
        Buffer.from('\r\n'),
      ]);
    const raw = (value: string) => (value === RAW_MARK ? RAW_BYTES : Buffer.from(value));
    const fields: [string, (value: string) => Buffer][] = [
      ['accountId', raw],
      ['format', raw],
      ['mapping', raw],
      // A text inside the mapping's JSON, where the column names go.
      ['mapping', (value) => Buffer.from(jsonPayload({ date: value, amount: 'amount' }))],
    ];
    const failures: string[] = [];
    for (const [index, [field, encodeValue]] of fields.entries()) {
      for (const value of NASTY) {
        const payload = Buffer.concat([
          part(field, encodeValue(value)),
          part('file', 'date,amount,description\n2026-03-01,-1.00,fine\n', true),
          Buffer.from(`--${boundary}--\r\n`),
        ]);
        const response = await t.app.inject({
          method: 'POST',
          url: '/api/transactions/import',
          headers: { ...member.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
          payload,
        });
        const where = `${field}#${String(index)}=${JSON.stringify(value.slice(0, 30))}`;
        if (response.statusCode >= 500) failures.push(`${where}: ${response.statusCode} ${response.body.slice(0, 200)}`);
        else if (value === NUL) {
          const errors = response.json<{ errors?: { field: string }[] }>().errors ?? [];
          if (response.statusCode !== 400 || !errors.some((e) => e.field.split('.')[0] === field))
            failures.push(`${where}: NUL not refused by name ${response.body.slice(0, 200)}`);
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
      const key = `${op.method} ${op.path}`;
      const fix = SAMPLE_FIXES[key] ?? ((generic: Body) => generic);
      const body = op.body === undefined ? undefined : fix(sample(op.body, resolve, { ids }) as Body, ids);
      // The sample as it is must be carried out, else the strings swapped into it never reach the
      // handler (logout's would end the session its own strings are sent in).
      if (body !== undefined && op.path !== '/api/auth/logout') {
        const baseline = await send(op, pathValues, '', body, key === RESTORE ? await register(t) : member);
        requests += 1;
        const expected = REFUSED_SAMPLES[key];
        if (expected === undefined ? baseline.status >= 400 : !expected.includes(baseline.status)) note(op, 'sample', '', baseline, 'sample refused');
      }
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
