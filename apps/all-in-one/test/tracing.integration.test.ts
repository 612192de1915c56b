import { randomBytes } from 'node:crypto';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startTracing } from '@expensio/common';
import { call, createTestExpensio, register, testRabbit } from './helpers.js';

// The trace of tracing.test.ts, over the real RabbitMQ of this machine (integration tier only).

const AMQP_URL = process.env.TEST_AMQP_URL ?? '';

describe.runIf(AMQP_URL !== '')('one trace over RabbitMQ', () => {
  const exporter = new InMemorySpanExporter();
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it("follows POST /api/transactions through the broker to realtime's consumer", async () => {
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

    const created = await call(t, member, 'POST', '/api/transactions', { type: 'expense', amount: '4.20', category: 'groceries' });
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
  });
});
