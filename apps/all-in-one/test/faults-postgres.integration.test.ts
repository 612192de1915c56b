import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InProcessTransport, openPostgres, type Database } from '@expensio/common';
import { openTestDatabase, TcpProxy } from '@expensio/common/testing';
import { call, createTestExpensio, register, type Member, type TestExpensio } from './helpers.js';

// PostgreSQL out of reach under load (integration tier only): the app talks to its database
// through a TCP proxy the test cuts for OUTAGE_MS, while clients keep creating transactions.

const RUN = process.env.TEST_DATABASE_URL !== undefined && process.env.TEST_DATABASE_URL !== '';
/** How long the database stays unreachable: the 10 s. */
const OUTAGE_MS = 10_000;
/** Clients creating transactions at once. */
const CLIENTS = 4;
const WAIT = { timeout: 30_000, interval: 100 };

interface Outcome {
  status: number;
  retryAfter: string | undefined;
  contentType: string | undefined;
}

describe.runIf(RUN)('PostgreSQL unreachable for a while under load', () => {
  let direct: Database & { url?: string };
  let proxied: Database;
  let proxy: TcpProxy;
  let t: TestExpensio;
  let member: Member;

  beforeAll(async () => {
    direct = await openTestDatabase();
    proxy = await TcpProxy.start(new URL(direct.url ?? ''));
    const url = new URL(direct.url ?? '');
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    proxied = openPostgres(url.toString(), 5);
    t = await createTestExpensio(new InProcessTransport(), { database: proxied });
    member = await register(t);
  });

  afterAll(async () => {
    await t.close();
    await proxied.close();
    await proxy.close();
    await direct.close();
  });

  it('answers 503 with retry-after (never 500), turns not ready, loses no acknowledged write and recovers by itself', async () => {
    const acknowledged: string[] = [];
    const outcomes: Outcome[] = [];
    let stop = false;
    async function client(n: number) {
      for (let i = 0; !stop; i += 1) {
        const response = await call(t, member, 'POST', '/api/transactions', {
          type: 'expense',
          amount: '1.00',
          description: `client ${String(n)} #${String(i)}`,
        });
        outcomes.push({
          status: response.statusCode,
          retryAfter: response.headers['retry-after'],
          contentType: response.headers['content-type'] as string | undefined,
        });
        if (response.statusCode === 201) acknowledged.push(response.json<{ id: string }>().id);
        // A refused client backs off a little, as one honouring retry-after would, without
        // waiting the whole 5 s: the test wants many requests during the outage.
        if (response.statusCode === 503) await delay(50);
      }
    }
    const ready = async () => (await t.app.inject({ method: 'GET', url: '/ready' })).statusCode;
    const created = () => outcomes.filter((o) => o.status === 201).length;
    const refused = () => outcomes.filter((o) => o.status === 503).length;

    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
    try {
      await vi.waitFor(() => {
        expect(created()).toBeGreaterThanOrEqual(20);
      }, WAIT);
      expect(await ready()).toBe(200);

      proxy.cut();
      await vi.waitFor(() => {
        expect(refused()).toBeGreaterThanOrEqual(CLIENTS);
      }, WAIT);
      expect(await ready()).toBe(503);
      // The outage itself lasts a while, with the clients hammering the app all along.
      await delay(OUTAGE_MS);
      expect(await ready()).toBe(503);
      const createdBeforeRestore = created();

      await proxy.restore();
      await vi.waitFor(async () => {
        expect(await ready()).toBe(200);
      }, WAIT);
      await vi.waitFor(() => {
        expect(created()).toBeGreaterThanOrEqual(createdBeforeRestore + 20);
      }, WAIT);
    } finally {
      stop = true;
      await Promise.all(clients);
    }

    // Only two answers ever: created, or refused for now with a problem naming when to retry.
    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set([201, 503]));
    for (const o of outcomes.filter((x) => x.status === 503)) {
      expect(o.contentType).toMatch(/^application\/problem\+json/);
      expect(Number(o.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Every transaction acknowledged is there, read on a connection that never went through the proxy.
    const stored = await sql<{ id: string }>`
      select id::text as id from finance.transactions where user_id = ${member.id}::uuid`.execute(direct.kysely);
    const ids = new Set(stored.rows.map((r) => r.id));
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
    // The outbox relay came back too: every event of the run is delivered.
    await t.settle(30_000);
    const pending = await sql<{ n: number }>`select count(*)::int as n from finance.outbox where published_at is null`.execute(direct.kysely);
    expect(pending.rows[0]?.n).toBe(0);
  }, 120_000);
});
