import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  freshDatabase,
  freshVhost,
  migrateBuilt,
  pathRouter,
  SERVICE_NAMES,
  startBuiltServices,
  type BuiltService,
  type ServiceName,
} from './built-services.js';
import { freePort, spawnServer, stopServer, untilHealthy, type ServerProcess } from './server-process.js';
import { startMailSink } from './mail-sink.js';

/**
 * `npm run build`, then the all-in-one started from dist/ as production starts it: plain node, the
 * `expensio-dist` export condition, and a guard (production-only.js) that ends the process if a
 * TypeScript file or a development-only package is ever loaded. Then SIGTERM with a request in
 * flight: readiness 503 at once, the request completes, new connections are refused, exit 0; and a
 * request that never ends is cut off at SHUTDOWN_TIMEOUT. In the integration tier, the same build
 * runs identity, finance and realtime as three processes over real PostgreSQL, RabbitMQ and Redis,
 * through a user's journey over HTTP (one build for the whole file: the journey reuses it).
 */
const root = path.resolve(import.meta.dirname, '../../..');
const esbuild = path.join(root, 'node_modules', '.bin', 'esbuild');
const canBuild = existsSync(esbuild);
if (!canBuild) console.warn(`build.test.ts skipped: ${esbuild} is missing (npm ci installs it with the dev dependencies)`);

const dataDir = mkdtempSync(path.join(tmpdir(), 'expensio-build-'));
const PASSWORD = 'a sturdy passphrase for tests';

const servers: ServerProcess[] = [];

/** The built all-in-one as its own process, up once /health answers. */
async function startBuilt(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const server = spawnServer({
    command: process.execPath,
    args: ['--conditions=expensio-dist', '--enable-source-maps', '--import', './apps/all-in-one/test/production-only.js', 'apps/all-in-one/dist/main.js'],
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '100000', ...env },
    port,
  });
  servers.push(server);
  await untilHealthy(server);
  return server;
}

/** A registration whose body is sent in two parts: in flight from the first write until `finish`. */
function slowRegistration(
  server: ServerProcess,
  email: string,
): { sent: Promise<void>; finish(): void; response: Promise<{ status: number; body: string }>; req: ClientRequest } {
  const body = JSON.stringify({ email, password: PASSWORD });
  const half = Math.floor(body.length / 2);
  const req = request({
    host: '127.0.0.1',
    port: server.port,
    method: 'POST',
    path: '/api/auth/register',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
      });
    });
  });
  response.catch(() => undefined);
  const sent = new Promise<void>((resolve) => {
    req.write(body.slice(0, half), () => {
      resolve();
    });
  });
  return {
    sent,
    finish: () => {
      req.end(body.slice(half));
    },
    response,
    req,
  };
}

beforeAll(async () => {
  if (!canBuild) return;
  await promisify(execFile)('npm', ['run', 'build'], { cwd: root });
}, 300_000);

afterAll(async () => {
  for (const server of servers) await stopServer(server);
  rmSync(dataDir, { recursive: true, force: true });
});

// Each test starts processes from a fresh embedded database (its migrations included): on a loaded
// machine that alone took 24 s, past Vitest's default 30 s with a registration after it.
const PROCESS_TESTS = { timeout: 180_000 };

describe.skipIf(!canBuild)('the production build', PROCESS_TESTS, () => {
  it('starts from dist/ with plain node: health, a registration, the profile and /metrics on METRICS_PORT', async () => {
    const metricsPort = await freePort();
    const server = await startBuilt({ METRICS_PORT: String(metricsPort) });
    expect((await fetch(`${server.base}/health`)).status).toBe(200);
    expect(await (await fetch(`${server.base}/ready`)).json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    const registered = await fetch(`${server.base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `built-${String(Date.now())}@example.com`, password: PASSWORD }),
    });
    expect(registered.status, await registered.clone().text()).toBe(201);
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const profile = await fetch(`${server.base}/api/auth/profile`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(profile.status).toBe(200);
    // On its own port only: the API's port (the one an Ingress routes to) does not serve it.
    expect((await fetch(`${server.base}/metrics`)).status).toBe(404);
    const metrics = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
    expect(metrics).toContain('expensio_http_requests_total{method="POST",route="/api/auth/register",status_class="2xx"} 1');
    expect(metrics).toContain('expensio_outbox_backlog{service="finance"}');
    // Errors point into the TypeScript source through the emitted source maps.
    expect(existsSync(path.join(root, 'apps/all-in-one/dist/main.js.map'))).toBe(true);
    await stopServer(server);
    expect(await server.exited).toBe(0);
  });

  it('on SIGTERM turns readiness 503 at once, finishes the request in flight, refuses new connections and exits 0', async () => {
    const server = await startBuilt({ SHUTDOWN_DELAY: '2s' });
    const inFlight = slowRegistration(server, `sigterm-${String(Date.now())}@example.com`);
    await inFlight.sent;
    server.child.kill('SIGTERM');

    // Still listening during SHUTDOWN_DELAY, but no longer ready.
    await vi.waitFor(
      async () => {
        const ready = await fetch(`${server.base}/ready`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({ code: 'shutting_down' });
      },
      { timeout: 20_000, interval: 50 },
    );
    // Then the listener closes: a new connection is refused while the old request is still open.
    await vi.waitFor(
      async () => {
        const error = await fetch(`${server.base}/health`).then(
          () => undefined,
          (e: unknown) => e as Error & { cause?: { code?: string } },
        );
        expect(error?.cause?.code).toBe('ECONNREFUSED');
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(server.child.exitCode).toBeNull();

    inFlight.finish();
    const answer = await inFlight.response;
    expect(answer.status, answer.body).toBe(201);
    // 0, not the 1 of a shutdown cut off at SHUTDOWN_TIMEOUT.
    expect(await server.exited).toBe(0);
  });

  it('exits with 1 at SHUTDOWN_TIMEOUT when a request never finishes', async () => {
    const server = await startBuilt({ SHUTDOWN_TIMEOUT: '2s' });
    const stuck = slowRegistration(server, `stuck-${String(Date.now())}@example.com`);
    await stuck.sent;
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(1);
    stuck.req.destroy();
    expect(server.output.join('')).toContain('shutdown did not finish in time');
  });
});

// The integration tier's stores (vitest.integration.config.ts sets them); the fast tier has none.
const stores = { databaseUrl: process.env.TEST_DATABASE_URL ?? '', amqpUrl: process.env.TEST_AMQP_URL ?? '', redisUrl: process.env.TEST_REDIS_URL ?? '' };
const haveStores = canBuild && Object.values(stores).every((url) => url !== '');

describe.runIf(haveStores)('the built services, one process each, over PostgreSQL, RabbitMQ and Redis', PROCESS_TESTS, () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let services: Record<ServiceName, BuiltService>;
  const serviceFor = pathRouter();
  // The bodies of the webhook deliveries the receiver got.
  const deliveries: { type?: string; payload?: { transactionId?: string } }[] = [];

  beforeAll(async () => {
    const mail = await startMailSink();
    cleanups.push(mail.close);
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        deliveries.push(JSON.parse(Buffer.concat(chunks).toString()) as (typeof deliveries)[number]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => receiver.close(resolve)));
    receiverUrl = `http://127.0.0.1:${String((receiver.address() as { port: number }).port)}/hooks`;

    const database = await freshDatabase(stores.databaseUrl);
    cleanups.push(database.drop);
    const vhost = await freshVhost(stores.amqpUrl);
    cleanups.push(vhost.drop);
    await migrateBuilt(database.url);
    const running = await startBuiltServices({ databaseUrl: database.url, amqpUrl: vhost.url, redisUrl: stores.redisUrl }, mail.url);
    cleanups.push(running.stop);
    services = running.services;
  }, 300_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => {
        console.warn('cleanup:', error);
      });
    }
  }, 120_000);

  let receiverUrl = '';
  let token = '';

  /** A call as the proxy would route it, to the service serving that path. */
  async function api(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const text = typeof body === 'string';
    const response = await fetch(`${services[serviceFor(url)].server.base}${url}`, {
      method,
      headers: {
        ...(token !== '' && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': text ? 'text/csv' : 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: text ? body : JSON.stringify(body) }),
    });
    const raw = await response.text();
    return { status: response.status, headers: response.headers, raw, json: (): unknown => JSON.parse(raw) };
  }

  it('registers, signs in, and keeps books: accounts, an idempotent create, a CSV import, lists, analytics, flags and a webhook', async () => {
    const email = `journey-${randomUUID()}@example.com`;
    const registered = await api('POST', '/api/auth/register', { email, password: PASSWORD });
    expect(registered.status, registered.raw).toBe(201);
    const signedIn = await api('POST', '/api/auth/login', { email, password: PASSWORD });
    expect(signedIn.status, signedIn.raw).toBe(200);
    token = (signedIn.json() as { accessToken: string }).accessToken;
    // finance and realtime trust identity's token through its JWKS.
    expect((await api('GET', '/api/auth/profile')).json()).toMatchObject({ email });

    const webhook = await api('POST', '/api/webhooks', { url: receiverUrl, events: ['transaction.created'] });
    expect(webhook.status, webhook.raw).toBe(201);

    const account = await api('POST', '/api/accounts', { name: 'Current', type: 'checking', currency: 'EUR', openingBalance: '100.00' });
    expect(account.status, account.raw).toBe(201);
    const accountId = (account.json() as { id: string }).id;

    const body = { type: 'expense', amount: '12.34', accountId, category: 'groceries', description: 'Market' };
    const created = await api('POST', '/api/transactions', body, { 'idempotency-key': 'journey-1' });
    expect(created.status, created.raw).toBe(201);
    const replayed = await api('POST', '/api/transactions', body, { 'idempotency-key': 'journey-1' });
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const transactionId = (created.json() as { id: string }).id;
    expect((replayed.json() as { id: string }).id).toBe(transactionId);

    const csv = ['date,amount,description,category', '2026-03-01,-4.50,Coffee,dining', '2026-03-02,2500.00,Salary,salary'].join('\n');
    const imported = await api('POST', `/api/transactions/import?accountId=${accountId}`, csv);
    expect(imported.status, imported.raw).toBe(200);
    expect(imported.json()).toMatchObject({ rows: 2, created: 2, rejected: 0 });

    const listed = await api('GET', `/api/transactions?accountId=${accountId}&limit=50`);
    expect(listed.status, listed.raw).toBe(200);
    const items = (listed.json() as { items: { id: string; amount: string; description: string | null }[] }).items;
    expect(items.map((item) => item.description).sort()).toEqual(['Coffee', 'Market', 'Salary']);
    expect(items.find((item) => item.id === transactionId)?.amount).toBe('12.34');

    const analytics = await api('GET', '/api/analytics/comprehensive?from=2026-01-01&to=2026-12-31');
    expect(analytics.status, analytics.raw).toBe(200);
    const flagged = await api('GET', '/api/transactions/flagged');
    expect(flagged.status, flagged.raw).toBe(200);
    expect(Array.isArray((flagged.json() as { items: unknown[] }).items)).toBe(true);

    // finance's outbox → RabbitMQ → realtime's consumer → its webhook worker → the receiver, once
    // for the transaction though it was posted twice.
    await vi.waitFor(
      () => {
        expect(deliveries.filter((d) => d.type === 'transaction.created' && d.payload?.transactionId === transactionId)).toHaveLength(1);
      },
      { timeout: 60_000, interval: 100 },
    );
  });

  it('serves health, readiness (database, Redis, RabbitMQ) and /metrics on each service', async () => {
    for (const name of SERVICE_NAMES) {
      const { server, metricsBase } = services[name];
      expect((await fetch(`${server.base}/health`)).status, name).toBe(200);
      const ready = await fetch(`${server.base}/ready`);
      expect(ready.status, name).toBe(200);
      expect(await ready.json(), name).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
      const metrics = await (await fetch(`${metricsBase}/metrics`)).text();
      expect(metrics, name).toContain('expensio_http_requests_total{');
      expect(metrics, name).toMatch(/^nodejs_eventloop_lag_seconds /m);
    }
    const financeMetrics = await (await fetch(`${services.finance.metricsBase}/metrics`)).text();
    expect(financeMetrics).toContain('expensio_http_requests_total{method="POST",route="/api/transactions",status_class="2xx"} 2');
  });

  it('stops each service on SIGTERM with exit code 0', async () => {
    for (const name of SERVICE_NAMES) {
      const { server } = services[name];
      server.child.kill('SIGTERM');
      expect(await server.exited, `${name}: ${server.output.join('')}`).toBe(0);
    }
  });
});
