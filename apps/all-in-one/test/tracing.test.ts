import { sql } from 'kysely';
import { pino } from 'pino';
import { trace, type SpanContext } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InProcessTransport, loggerOptions, startTracing, type Tracing } from '@expensio/common';
import { call, createTestExpensio, register, type Member, type TestExpensio } from './helpers.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing | undefined;
let t: TestExpensio;
let member: Member;

beforeAll(async () => {
  tracing = await startTracing({ serviceName: 'expensio-test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  t = await createTestExpensio(new InProcessTransport(), { tracing: true });
  member = await register(t);
  await t.settle();
});
afterAll(async () => {
  await t.close();
  await tracing?.shutdown();
});

const named = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The span and its ancestors, nearest first, as far as the exporter has them. */
function lineage(span: ReadableSpan): ReadableSpan[] {
  const byId = new Map(exporter.getFinishedSpans().map((s) => [s.spanContext().spanId, s]));
  const chain = [span];
  for (let parent = byId.get(parentOf(span) ?? ''); parent !== undefined; parent = byId.get(parentOf(parent) ?? '')) chain.push(parent);
  return chain;
}

async function consumerSpan(consumer: string, type: string, eventId: string): Promise<ReadableSpan> {
  return vi.waitFor(
    () => {
      const span = named(`process ${type}`).find(
        (s) => s.attributes['messaging.consumer.group.name'] === consumer && s.attributes['messaging.message.id'] === eventId,
      );
      if (span === undefined) throw new Error(`no span yet for ${consumer}`);
      return span;
    },
    { timeout: 20_000 },
  );
}

/** The id of the one transaction.created event in finance's outbox for this transaction, with its stored trace context. */
async function outboxRow(transactionId: string): Promise<{ id: string; trace_context: { traceparent: string } | null }> {
  const rows = await sql<{ id: string; trace_context: { traceparent: string } | null }>`
    select id, trace_context from finance.outbox where type = 'transaction.created' and payload->>'transactionId' = ${transactionId}`.execute(
    t.database.kysely,
  );
  expect(rows.rows).toHaveLength(1);
  const [row] = rows.rows;
  if (row === undefined) throw new Error('no outbox row');
  return row;
}

describe('one trace from a request to the consumers in another service', () => {
  it('follows POST /api/transactions through the outbox and the in-process transport to realtime', async () => {
    exporter.reset();
    const created = await call(t, member, 'POST', '/api/transactions', { type: 'expense', amount: '4.20', category: 'groceries' });
    expect(created.statusCode).toBe(201);
    const transactionId = created.json<{ id: string }>().id;
    await t.settle();

    const [server] = named('POST /api/transactions');
    if (server === undefined) throw new Error('no server span');
    const traceId = server.spanContext().traceId;
    expect(server.attributes).toMatchObject({ 'http.route': '/api/transactions', 'http.response.status_code': 201 });

    // Stored with the row, in the request's transaction: what a relay in another process would read.
    const row = await outboxRow(transactionId);
    expect(row.trace_context?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const gateway = await consumerSpan('realtime.gateway', 'transaction.created', row.id);
    expect(gateway.spanContext().traceId).toBe(traceId);
    expect(gateway.attributes).toMatchObject({ 'messaging.system': 'expensio.in_process', 'expensio.consume.outcome': 'processed' });
    // Consumer ← relay's send ← the publish in the request ← … ← the request itself.
    const chain = lineage(gateway).map((span) => span.name);
    expect(chain.slice(0, 3)).toEqual(['process transaction.created', 'send transaction.created', 'create transaction.created']);
    expect(chain.at(-1)).toBe('POST /api/transactions');

    const webhooks = await consumerSpan('realtime.webhooks', 'transaction.created', row.id);
    expect(webhooks.spanContext().traceId).toBe(traceId);
  });

  it("continues a caller's trace sent in traceparent", async () => {
    exporter.reset();
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/transactions',
      headers: { ...member.headers, traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
    });
    expect(response.statusCode).toBe(200);
    const [server] = named('GET /api/transactions');
    expect(server?.spanContext().traceId).toBe(callerTrace);
    expect(parentOf(server as ReadableSpan)).toBe('00f067aa0ba902b7');
  });
});

describe('log lines under tracing', () => {
  it('carry the active trace and span ids', () => {
    const lines: string[] = [];
    const log = pino(loggerOptions('info', 'tracing-test', { traceIds: true }), {
      write: (line: string) => {
        lines.push(line);
      },
    });
    let ids: SpanContext | undefined;
    trace.getTracer('tracing-test').startActiveSpan('work', (span) => {
      ids = span.spanContext();
      log.info('inside');
      span.end();
    });
    log.info('outside');
    const [inside, outside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside).toMatchObject({ msg: 'inside', trace_id: ids?.traceId, span_id: ids?.spanId });
    expect(outside).not.toHaveProperty('trace_id');
  });
});
