import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, loggerOptions, ServiceUnavailableError, type Database, type HttpApp } from '@expensio/common';
import { openTestDatabase } from '@expensio/common/testing';

// A database error must not carry the statement's values into the log: PGlite's errors hold the
// parameters (`params`), PostgreSQL's `detail` and message quote them. This file runs on PGlite in
// the fast tier and on PostgreSQL in the integration tier.

const CANARY = `canary-${randomUUID()}`;

interface LogRecord {
  level: number;
  reqId?: string;
  msg?: string;
  err?: Record<string, unknown> & { cause?: Record<string, unknown> };
}

const lines: string[] = [];
let database: Database;
let app: HttpApp;

async function insert(values: { email: string; secret: string; ref?: string }) {
  await sql`insert into log_canary.accounts (email, secret, ref) values (${values.email}, ${values.secret}, ${values.ref ?? null})`.execute(database.kysely);
}

beforeAll(async () => {
  database = await openTestDatabase();
  await sql`create schema log_canary`.execute(database.kysely);
  await sql`create table log_canary.accounts (email text constraint accounts_email_key unique, secret text not null, ref uuid)`.execute(database.kysely);
  await insert({ email: `taken-${CANARY}@example.com`, secret: 'first' });

  const logger = pino(loggerOptions('info', 'db-error-test'), {
    write: (line: string) => {
      lines.push(line);
    },
  });
  app = await createHttpApp({
    title: 'Test',
    version: '1',
    logger,
    trustProxy: [],
    corsOrigins: [],
    rateLimit: { max: 1000, windowMs: 60_000 },
    readiness: [],
  });
  // A NUL is refused by PostgreSQL: the statement fails with the secret among its parameters.
  app.post('/nul', async () => {
    await insert({ email: 'nul@example.com', secret: `${CANARY}\u0000hash` });
  });
  // A unique violation: the detail quotes the duplicate key, the parameters hold the secret.
  app.post('/duplicate', async () => {
    await insert({ email: `taken-${CANARY}@example.com`, secret: CANARY });
  });
  // An unreadable value: the message itself quotes it.
  app.post('/bad-uuid', async () => {
    await insert({ email: 'uuid@example.com', secret: CANARY, ref: CANARY });
  });
  // The database error kept as the cause of an error of the app's own.
  app.post('/wrapped', async () => {
    try {
      await insert({ email: `taken-${CANARY}@example.com`, secret: CANARY });
    } catch (error) {
      throw new ServiceUnavailableError('could not save', 'save_failed', { cause: error });
    }
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await database.close();
});

async function failingCall(url: string) {
  const response = await app.inject({ method: 'POST', url });
  const requestId = String(response.headers['x-request-id']);
  const records = lines.map((line) => JSON.parse(line) as LogRecord).filter((r) => r.reqId === requestId && r.level >= 50);
  expect(records).toHaveLength(1);
  return { response, record: records[0] as LogRecord & { err: Record<string, unknown> } };
}

describe('database errors in the log', () => {
  it('logs a refused NUL without the parameters that carried the secret', async () => {
    const { response, record } = await failingCall('/nul');
    expect(response.statusCode).toBe(500);
    expect(record.err).toMatchObject({ type: 'DatabaseError', code: '22021' });
    expect(record.err).not.toHaveProperty('params');
    expect(record.err).not.toHaveProperty('query');
    expect(lines.join('\n')).not.toContain(CANARY);
  });

  it('logs a unique violation with its code, constraint and table, without the key in its detail', async () => {
    const { response, record } = await failingCall('/duplicate');
    expect(response.statusCode).toBe(500);
    expect(record.err).toMatchObject({ code: '23505', constraint: 'accounts_email_key', table: 'accounts', schema: 'log_canary' });
    expect(record.err.message).toBe('duplicate key value violates unique constraint "accounts_email_key"');
    expect(record.err).not.toHaveProperty('detail');
    expect(lines.join('\n')).not.toContain(CANARY);
  });

  it('logs an unreadable value without quoting it from the message or the stack', async () => {
    const { record } = await failingCall('/bad-uuid');
    expect(record.err).toMatchObject({ code: '22P02', message: 'invalid input syntax for type uuid: "…"' });
    expect(String(record.err.stack)).toMatch(/^\w+: invalid input syntax for type uuid: "…"\n\s+at /);
    expect(record.err).not.toHaveProperty('where');
    expect(lines.join('\n')).not.toContain(CANARY);
  });

  it("follows the cause of an error of the app's own the same way", async () => {
    const { response, record } = await failingCall('/wrapped');
    expect(response.statusCode).toBe(503);
    expect(record.err).toMatchObject({ type: 'ServiceUnavailableError', code: 'save_failed', cause: { code: '23505', constraint: 'accounts_email_key' } });
    expect(lines.join('\n')).not.toContain(CANARY);
  });
});
