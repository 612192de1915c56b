import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { AmqpTransport } from '@expensio/common';
import { call, TcpProxy } from '@expensio/common/testing';
import { createTestExpensio, fillEveryService, register, rowsOf, testRabbit } from './helpers.js';

// The services talking over the real RabbitMQ of this machine (integration tier only).

const AMQP_URL = process.env.TEST_AMQP_URL ?? '';
const RUN = randomBytes(4).toString('hex');
const WAIT = { timeout: 20_000, interval: 50 };
const cleanups: (() => Promise<void>)[] = [];

function rabbit(url: string, name: string): AmqpTransport {
  const { transport, cleanup } = testRabbit(AMQP_URL, url, `${RUN}.${name}`);
  cleanups.push(cleanup);
  return transport;
}

describe.runIf(AMQP_URL !== '')('events between the services over RabbitMQ', () => {
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  });

  it("identity's user.deleted reaches finance and realtime, which erase the user", async () => {
    const t = await createTestExpensio(rabbit(AMQP_URL, 'deletion'));
    try {
      const [leaving, staying] = [await register(t), await register(t)];
      for (const member of [leaving, staying]) await fillEveryService(t, member);
      expect((await call(t, leaving, 'DELETE', '/api/auth/account', { password: leaving.password })).statusCode).toBe(204);
      await vi.waitFor(async () => {
        expect(Object.values(await rowsOf(t, leaving.id)).every((n) => n === 0)).toBe(true);
      }, WAIT);
      const processed = await sql<{ consumer: string }>`
        select consumer from finance.inbox where event_type = 'user.deleted'
        union all select consumer from realtime.inbox where event_type = 'user.deleted' order by consumer`.execute(t.database.kysely);
      expect(processed.rows.map((r) => r.consumer)).toEqual(['finance.user-erasure', 'realtime.gateway', 'realtime.webhook-owners', 'realtime.webhooks']);
      expect((await rowsOf(t, staying.id))['finance.transactions']).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('500 transactions created across a cut broker connection each reach realtime exactly once', async () => {
    const proxy = await TcpProxy.start(new URL(AMQP_URL));
    const proxied = new URL(AMQP_URL);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const amqp = rabbit(proxied.toString(), 'cut');
    const t = await createTestExpensio(amqp);
    try {
      const member = await register(t);
      const hook = await call(t, member, 'POST', '/api/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['transaction.created'] });
      expect(hook.statusCode).toBe(201);
      const TOTAL = 500;
      const created: string[] = [];
      for (let i = 0; i < TOTAL; i += 1) {
        if (i === 150) {
          proxy.cut();
          await vi.waitFor(() => {
            expect(amqp.connected).toBe(false);
          }, WAIT);
        }
        // Creates go on while the broker is out of reach: their events wait in the outbox.
        if (i === 350) {
          const pending = await sql<{ n: number }>`select count(*)::int as n from finance.outbox where published_at is null`.execute(t.database.kysely);
          expect(pending.rows[0]?.n).toBeGreaterThan(0);
          expect(amqp.connected).toBe(false);
          await proxy.restore();
        }
        const response = await call(t, member, 'POST', '/api/transactions', { type: 'expense', amount: '1.00', description: `#${String(i)}` });
        expect(response.statusCode).toBe(201);
        created.push(response.json<{ id: string }>().id);
      }
      // Counted at the consumers: one webhook delivery, and one gateway inbox row, per event.
      const events = await sql<{ id: string }>`
        select id from finance.outbox where type = 'transaction.created' and user_id = ${member.id}::uuid`.execute(t.database.kysely);
      expect(new Set(events.rows.map((r) => r.id)).size).toBe(TOTAL);
      await vi.waitFor(
        async () => {
          const deliveries = await sql<{ n: number; events: number }>`
          select count(*)::int as n, count(distinct event_id)::int as events from realtime.webhook_deliveries
          where endpoint_id = ${hook.json<{ id: string }>().id}::uuid`.execute(t.database.kysely);
          expect(deliveries.rows[0]).toEqual({ n: TOTAL, events: TOTAL });
        },
        { timeout: 40_000, interval: 100 },
      );
      const pushed = await sql<{ n: number }>`
        select count(*)::int as n from realtime.inbox i join finance.outbox o on o.id = i.event_id
        where i.consumer = 'realtime.gateway' and o.user_id = ${member.id}::uuid and o.type = 'transaction.created'`.execute(t.database.kysely);
      expect(pushed.rows[0]?.n).toBe(TOTAL);
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
      expect(created).toHaveLength(TOTAL);
    } finally {
      await t.close();
      await proxy.close();
    }
  }, 90_000);
});
