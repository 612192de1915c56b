import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildEnvelope, outboxValues, systemClock, type AmqpTransport } from '@expensio/common';
import { sampleTransactionCreated } from '@expensio/common/testing';
import { call, createTestExpensio, register, testRabbit, type TestExpensio } from './helpers.js';

// The broker itself restarted mid-stream (integration tier only, needs rabbitmqctl and the right
// to run it: CI runs as root). 10,000 events go into finance's outbox in batches, straight through
// SQL (the HTTP path is not what is tested here, and it would take minutes on a loaded machine),
// with `rabbitmqctl stop_app` / `start_app` between them. Each must take effect exactly once.

const run = promisify(execFile);
const AMQP_URL = process.env.TEST_AMQP_URL ?? '';
const TOTAL = 10_000;
const BATCH = 1_000;
const WAIT = { timeout: 60_000, interval: 200 };

async function rabbitmqctl(...args: string[]): Promise<void> {
  await run('rabbitmqctl', args, { timeout: 120_000 });
}

/** Whether this machine lets the test stop and start the broker. */
async function canControlBroker(): Promise<boolean> {
  if (AMQP_URL === '') return false;
  try {
    await rabbitmqctl('status');
    return true;
  } catch {
    return false;
  }
}

const CONTROL = await canControlBroker();
if (AMQP_URL !== '' && !CONTROL) {
  console.warn('faults-rabbitmq: skipped, rabbitmqctl is not available here (or may not control the broker)');
}

describe.runIf(CONTROL)('RabbitMQ restarted mid-stream', () => {
  const { transport, cleanup } = testRabbit(AMQP_URL, AMQP_URL, `restart.${randomBytes(4).toString('hex')}`);
  const amqp: AmqpTransport = transport;
  let t: TestExpensio;
  let brokerStopped = false;

  beforeAll(async () => {
    t = await createTestExpensio(amqp);
  });

  afterAll(async () => {
    // Whatever happened, the broker is started again: other tests on this machine use it.
    if (brokerStopped) await rabbitmqctl('start_app');
    await t.close();
    await cleanup().catch(() => undefined);
  });

  async function enqueue(userId: string, count: number): Promise<void> {
    const rows = Array.from({ length: count }, () => outboxValues(buildEnvelope('transaction.created', userId, sampleTransactionCreated(), systemClock)));
    await t.database.kysely.withSchema('finance').insertInto('outbox').values(rows).execute();
  }

  async function published(userId: string): Promise<number> {
    const result = await sql<{ n: number }>`
      select count(*)::int as n from finance.outbox where user_id = ${userId}::uuid and published_at is not null`.execute(t.database.kysely);
    return result.rows[0]?.n ?? 0;
  }

  it(`delivers ${String(TOTAL)} events published across a broker restart exactly once, and everyone reconnects by themselves`, async () => {
    const member = await register(t);
    const hook = await call(t, member, 'POST', '/api/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['transaction.created'] });
    expect(hook.statusCode).toBe(201);
    const endpointId = hook.json<{ id: string }>().id;

    for (let sent = 0; sent < TOTAL; sent += BATCH) {
      if (sent === 3 * BATCH) {
        // Mid-stream: some events are out, some still relaying, some consumed, some in the queues.
        await vi.waitFor(async () => {
          expect(await published(member.id)).toBeGreaterThan(BATCH);
        }, WAIT);
        brokerStopped = true;
        await rabbitmqctl('stop_app');
        await vi.waitFor(() => {
          expect(amqp.connected).toBe(false);
        }, WAIT);
      }
      if (sent === 6 * BATCH) {
        // The relay has been failing meanwhile: the later batches wait in the outbox.
        expect(amqp.connected).toBe(false);
        await rabbitmqctl('start_app');
        brokerStopped = false;
      }
      await enqueue(member.id, BATCH);
    }

    await vi.waitFor(() => {
      expect(amqp.connected).toBe(true);
    }, WAIT);
    await vi.waitFor(
      async () => {
        expect(await published(member.id)).toBe(TOTAL);
      },
      { timeout: 300_000, interval: 500 },
    );
    // Counted at the consumers: one webhook delivery per event (no unique key would stop a double
    // here), and one gateway inbox row per event.
    await vi.waitFor(
      async () => {
        const deliveries = await sql<{ n: number; events: number }>`
        select count(*)::int as n, count(distinct event_id)::int as events from realtime.webhook_deliveries
        where endpoint_id = ${endpointId}::uuid`.execute(t.database.kysely);
        expect(deliveries.rows[0]).toEqual({ n: TOTAL, events: TOTAL });
      },
      { timeout: 300_000, interval: 1_000 },
    );
    const pushed = await sql<{ n: number }>`
      select count(*)::int as n from realtime.inbox i join finance.outbox o on o.id = i.event_id
      where i.consumer = 'realtime.gateway' and o.user_id = ${member.id}::uuid and o.type = 'transaction.created'`.execute(t.database.kysely);
    expect(pushed.rows[0]?.n).toBe(TOTAL);
  }, 900_000);
});
