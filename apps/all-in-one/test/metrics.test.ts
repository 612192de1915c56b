import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessTransport, startMetricsServer, type EventEnvelope } from '@expensio/common';
import { buildTestApp } from '@expensio/common/testing';
import { financeService, runScheduler } from '@expensio/finance';
import { realtimeService } from '@expensio/realtime';
import { call, createTestExpensio, register, type Member, type TestExpensio } from './helpers.js';

/** The in-process transport with a switch that makes every publish fail, so outbox rows stay pending. */
class HeldTransport extends InProcessTransport {
  held = false;

  override async publish(envelope: EventEnvelope, attempt: number): Promise<void> {
    if (this.held) throw new Error('held by the test');
    return super.publish(envelope, attempt);
  }
}

/** Prometheus text as `name{labels}` → value, for the samples the test reads. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

const transport = new HeldTransport();
let t: TestExpensio;
let member: Member;

async function scrape(): Promise<{ text: string; values: Map<string, number> }> {
  const response = await t.app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
  return { text: response.body, values: samples(response.body) };
}

beforeAll(async () => {
  t = await createTestExpensio(transport);
  member = await register(t);
  await t.settle();
});
afterAll(async () => {
  transport.held = false;
  await t.close();
});

describe('GET /metrics on the all-in-one', () => {
  it('counts requests by route template and status class, never by raw path', async () => {
    const created = await call(t, member, 'POST', '/api/accounts', { name: 'Metrics', type: 'cash', currency: 'USD' });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    expect((await call(t, member, 'GET', `/api/accounts/${id}`)).statusCode).toBe(200);
    expect((await call(t, member, 'POST', '/api/categories', { name: 'Metrics' })).statusCode).toBe(201);
    expect((await call(t, member, 'GET', '/api/no-such-thing/12345')).statusCode).toBe(404);
    const bad = await call(t, member, 'POST', '/api/categories', { name: '' });
    expect(bad.statusCode).toBe(400);

    const { text, values } = await scrape();
    expect(values.get('expensio_http_requests_total{method="POST",route="/api/auth/register",status_class="2xx"}')).toBe(1);
    expect(values.get('expensio_http_requests_total{method="POST",route="/api/categories",status_class="2xx"}')).toBe(1);
    expect(values.get('expensio_http_requests_total{method="POST",route="/api/categories",status_class="4xx"}')).toBe(1);
    expect(values.get('expensio_http_requests_total{method="GET",route="unmatched",status_class="4xx"}')).toBe(1);
    expect(values.get('expensio_http_requests_total{method="GET",route="/api/accounts/:id",status_class="2xx"}')).toBe(1);
    expect(values.get('expensio_http_request_duration_seconds_count{method="POST",route="/api/categories",status_class="2xx"}')).toBe(1);
    expect(values.get('expensio_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/api/categories",status_class="2xx"}')).toBe(1);
    // The template, not the id: one series however many categories are read.
    expect(text).not.toContain(id);
    expect(text).not.toContain('12345');
  });

  it('serves the default Node metrics, the pool, sign-ins and consumed events', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nobody@example.com', password: 'not the password at all' } });
    expect(login.statusCode).toBe(401);
    await t.settle();
    const { values } = await scrape();
    expect(values.get('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(values.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    // The test database: PGlite's one connection, or a pg pool in the integration tier.
    expect(values.get('expensio_db_pool_size')).toBeGreaterThanOrEqual(1);
    expect(values.get('expensio_db_pool_in_use')).toBeGreaterThanOrEqual(0);
    expect(values.get('expensio_db_pool_waiting')).toBe(0);
    expect(values.get('expensio_sign_ins_total{outcome="failed",reason="unknown_email"}')).toBe(1);
    // The events so far (user.registered, auth.login.failed) reached realtime's consumers.
    const consumed = [...values].filter(([key]) => key.startsWith('expensio_events_consumed_total{consumer="realtime.') && key.includes('outcome="processed"'));
    expect(consumed.reduce((sum, [, value]) => sum + value, 0)).toBeGreaterThanOrEqual(2);
  });

  it('counts scheduler runs and the transactions they post', async () => {
    // Starting tomorrow: a rule due today posts inside its create request, not by the scheduler.
    const tomorrow = new Date(t.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
    const rule = await call(t, member, 'POST', '/api/recurring-transactions', {
      type: 'expense',
      amount: '9.99',
      frequency: 'monthly',
      startDate: tomorrow,
      description: 'Streaming',
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const run = await runScheduler(t.context(financeService), { now: new Date(t.clock.now().getTime() + 86_400_000) });
    expect(run.posted).toBe(1);
    const { values } = await scrape();
    expect(values.get('expensio_scheduler_runs_total{outcome="ok"}')).toBe(1);
    expect(values.get('expensio_scheduler_postings_total')).toBe(1);
  });

  it('reports the outbox backlog and the age of its oldest unsent row, per service', async () => {
    await t.settle();
    let { values } = await scrape();
    for (const service of ['identity', 'finance', 'realtime']) {
      expect(values.get(`expensio_outbox_backlog{service="${service}"}`)).toBe(0);
      expect(values.get(`expensio_outbox_oldest_age_seconds{service="${service}"}`)).toBe(0);
    }
    transport.held = true;
    expect((await call(t, member, 'POST', '/api/transactions', { type: 'expense', amount: '4.20', description: 'Held back' })).statusCode).toBe(201);
    t.clock.advance(90_000);
    ({ values } = await scrape());
    expect(values.get('expensio_outbox_backlog{service="finance"}')).toBeGreaterThanOrEqual(1);
    expect(values.get('expensio_outbox_oldest_age_seconds{service="finance"}')).toBeGreaterThanOrEqual(90);
    expect(values.get('expensio_outbox_backlog{service="identity"}')).toBe(0);

    transport.held = false;
    await t.settle(60_000);
    ({ values } = await scrape());
    expect(values.get('expensio_outbox_backlog{service="finance"}')).toBe(0);
  });

  it('serves the same registry on a port of its own (METRICS_PORT)', async () => {
    const server = await startMetricsServer(t.metrics, { host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`${server.address}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('expensio_http_requests_total{method="POST",route="/api/auth/register",status_class="2xx"}');
      expect((await fetch(`${server.address}/`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('METRICS_PORT and METRICS_ENABLED', () => {
  it('keeps /metrics off the API port when it has a port of its own, and off entirely when disabled', async () => {
    const variants: Record<string, string>[] = [{ METRICS_PORT: '9464' }, { METRICS_ENABLED: 'false' }];
    for (const env of variants) {
      // The same database: a second app is cheap, a second database is not.
      const alone = await buildTestApp([realtimeService], { env, database: t.database });
      try {
        const response = await alone.app.inject({ method: 'GET', url: '/metrics' });
        expect(response.statusCode, JSON.stringify(env)).toBe(404);
      } finally {
        await alone.close();
      }
    }
  });
});
