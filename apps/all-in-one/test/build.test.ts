import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort, spawnServer, stopServer, untilHealthy, type ServerProcess } from './server-process.js';

/**
 * `npm run build`, then the all-in-one started from dist/ as production starts it: plain node, the
 * `expensio-dist` export condition, and a guard (production-only.js) that ends the process if a
 * TypeScript file or a development-only package is ever loaded. Then SIGTERM with a request in
 * flight: readiness 503 at once, the request completes, new connections are refused, exit 0; and a
 * request that never ends is cut off at SHUTDOWN_TIMEOUT.
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

describe.skipIf(!canBuild)('the production build', () => {
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
