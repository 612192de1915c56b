import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startTracing } from '@expensio/common';
import { call, createTestExpensio, register, testRabbit } from './helpers.js';

// The trace of tracing.test.ts, over the real RabbitMQ, PostgreSQL and Redis of this machine
// (integration tier only), with the spans of OpenTelemetry's pg, amqplib and ioredis
// instrumentations in it (ADR 0025).

const AMQP_URL = process.env.TEST_AMQP_URL ?? '';

describe.runIf(AMQP_URL !== '')('one trace over RabbitMQ', () => {
  const exporter = new InMemorySpanExporter();
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) => spans.filter((span) => parentOf(span) === parent.spanContext().spanId);

  it("follows POST /api/transactions through the broker to realtime's consumer, with the queries, publishes and deliveries on the way", async () => {
    const tracing = await startTracing({ serviceName: 'expensio-test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
    cleanups.push(async () => {
      await tracing?.shutdown();
    });
    const { transport, cleanup } = testRabbit(AMQP_URL, AMQP_URL, `${randomBytes(4).toString('hex')}.tracing`);
    cleanups.push(cleanup);
    const t = await createTestExpensio(transport, { tracing: true });
    cleanups.push(() => t.close());
    const member = await register(t);
    await t.settle();
    exporter.reset();

    const marker = `lunch ${randomBytes(6).toString('hex')}`;
    const created = await call(t, member, 'POST', '/api/transactions', { type: 'expense', amount: '4.20', category: 'groceries', description: marker });
    expect(created.statusCode).toBe(201);
    const server = exporter.getFinishedSpans().find((span) => span.name === 'POST /api/transactions');
    if (server === undefined) throw new Error('no server span');

    const consumer = await vi.waitFor(
      () => {
        const span = exporter
          .getFinishedSpans()
          .find((s) => s.name === 'process transaction.created' && s.attributes['messaging.consumer.group.name'] === 'realtime.gateway');
        if (span === undefined) throw new Error('not consumed yet');
        return span;
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(consumer.spanContext().traceId).toBe(server.spanContext().traceId);
    expect(consumer.attributes['messaging.system']).toBe('rabbitmq');
    const send = exporter.getFinishedSpans().find((s: ReadableSpan) => s.spanContext().spanId === consumer.parentSpanContext?.spanId);
    expect(send?.name).toBe('send transaction.created');
    if (send === undefined) throw new Error('no send span');

    // amqplib: the relay's publish under its `send`, and the broker's delivery to realtime's queue
    // under that publish (its context travels in the message headers); the delivery span ends at the ack.
    const spans = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === server.spanContext().traceId);
    const [publish] = childrenOf(spans(), send);
    expect(publish).toMatchObject({ kind: SpanKind.PRODUCER, name: `publish ${transport.names.exchange}` });
    expect(publish?.attributes['messaging.rabbitmq.routing_key']).toBe('transaction.created');
    if (publish === undefined) throw new Error('no publish span');
    const delivery = await vi.waitFor(
      () => {
        const span = childrenOf(spans(), publish).find((s) => s.name === `${transport.names.queue('realtime.gateway')} process`);
        if (span === undefined) throw new Error('not acknowledged yet');
        return span;
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(delivery.kind).toBe(SpanKind.CONSUMER);

    // pg: the request's own queries and pool checkouts, among them its one write statement that
    // also inserts the outbox row of the event staged under `create` (ADR 0026), and the consumer's
    // queries (its inbox row) in the other service.
    const queries = (parent: ReadableSpan) =>
      childrenOf(spans(), parent).filter((s) => s.name.startsWith('pg.query') && s.attributes['db.system.name'] === 'postgresql');
    expect(queries(server).length).toBeGreaterThan(0);
    expect(childrenOf(spans(), server).some((s) => s.name === 'pg-pool.connect')).toBe(true);
    expect(spans().some((s) => s.name === 'create transaction.created')).toBe(true);
    const writes = queries(server).filter((s) => String(s.attributes['db.query.text']).includes('insert into "finance"."outbox"'));
    expect(writes.map((s) => String(s.attributes['db.query.text']))).toEqual([expect.stringMatching(/insert into "finance"."transactions"/)]);
    expect(queries(consumer).some((s) => String(s.attributes['db.query.text']).includes('"realtime"."inbox"'))).toBe(true);

    // ioredis: the request's revocation check and rate limit, and the gateway's publish to the Socket.IO adapter.
    if (t.redis !== undefined) {
      const commands = (parent: ReadableSpan) => childrenOf(spans(), parent).filter((s) => s.attributes['db.system.name'] === 'redis');
      expect(commands(server).length).toBeGreaterThan(0);
      expect(commands(consumer).length).toBeGreaterThan(0);
    }

    // Statements as Kysely wrote them, never a parameter value: neither the description sent nor
    // the member's id appears in any attribute of the trace, and Redis spans name the command only.
    const values = spans().flatMap((s) => Object.values(s.attributes).map(String));
    expect(values.filter((value) => value.includes(marker) || value.includes(member.id))).toEqual([]);
    for (const span of spans().filter((s) => s.attributes['db.system.name'] === 'redis')) expect(span.attributes['db.query.text']).toBe(span.name);
  });
});
