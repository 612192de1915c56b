import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServices, type RunningServices } from '@expensio/common';
import { openTestDatabase, testRedisUrl } from '@expensio/common/testing';
import { ALL_IN_ONE, allServices } from '../src/services.js';

/**
 * `npm start` as a user meets it: the embedded database and mailbox folder in DATA_DIR (or, in the
 * integration tier, PostgreSQL and Redis), booted from the environment as main.ts boots it, across
 * a restart; then once as a real process on a real port, which SIGTERM stops.
 */
const root = path.resolve(import.meta.dirname, '../../..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'expensio-start-'));
let base = '';
let running: RunningServices | undefined;
let child: ChildProcess | undefined;
let env: NodeJS.ProcessEnv = {};
let closeDatabase: (() => Promise<void>) | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/** The all-in-one booted in this process, exactly as main.ts boots it. */
async function boot(): Promise<void> {
  running = await startServices(allServices, { ...ALL_IN_ONE, env: { ...env, PORT: '0', LOG_LEVEL: 'silent' } });
  base = running.address;
}

async function shutDown(): Promise<void> {
  await running?.stop();
  running = undefined;
}

/** `npm start`'s own entry as a child process, up once /health answers. */
async function spawnServer(): Promise<void> {
  const port = await freePort();
  base = `http://127.0.0.1:${String(port)}`;
  const output: string[] = [];
  child = spawn(process.execPath, ['--import', 'tsx', 'apps/all-in-one/src/main.ts'], {
    cwd: root,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child?.once('exit', () => {
      reject(new Error(`server exited: ${output.join('')}`));
    }),
  );
  exited.catch(() => undefined);
  // Polls until the server answers: the wait ends when it is up, however loaded the machine.
  for (;;) {
    const ok = await Promise.race([
      fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      ),
      exited,
    ]);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopChild(): Promise<void> {
  const spawned = child;
  if (!spawned || spawned.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    spawned.once('exit', () => {
      resolve();
    });
    spawned.kill('SIGTERM');
  });
}

function call(method: string, url: string, body?: unknown, token?: string) {
  return fetch(`${base}${url}`, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(token !== undefined && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  env = { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', REALTIME_RECHECK_INTERVAL: '1s' };
  // Runs share the integration tier's Redis, where registrations from 127.0.0.1 count for an hour.
  env.REGISTRATION_IP_LIMIT = '100000';
  // The HTTP limit's Redis counter for 127.0.0.1 is shared with the other files' apps running meanwhile.
  env.RATE_LIMIT_MAX = '1000000';
  const database = await openTestDatabase();
  if (database.url !== undefined) {
    env.DATABASE_URL = database.url;
    const redisUrl = testRedisUrl();
    if (redisUrl !== undefined) env.REDIS_URL = redisUrl;
    closeDatabase = () => database.close();
  } else {
    await database.close();
  }
  await boot();
}, 120_000);

afterAll(async () => {
  await shutDown();
  await stopChild();
  await closeDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A Socket.IO client on the API's port; resolves once connected, or with the refusal's code. */
async function openSocket(token: string | undefined): Promise<{ socket: Socket } | { refused: string }> {
  const socket = connectSocket(base, { ...(token !== undefined && { auth: { token } }), transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      resolve({ socket });
    });
    socket.once('connect_error', (error) => {
      socket.close();
      resolve({ refused: error.message });
    });
  });
}

describe('npm start', () => {
  it('serves health, readiness, the OpenAPI document and the API reference', async () => {
    expect((await call('GET', '/health')).status).toBe(200);
    expect(await (await call('GET', '/ready')).json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    const spec = (await (await call('GET', '/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/auth/register', '/api/auth/otp/request', '/api/admin/users/{id}']));
    const docs = await call('GET', '/docs/');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
    const missing = await call('GET', '/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });

  it('registers, signs in by a code from the mailbox, and keeps sessions across a restart', async () => {
    const email = `starter-${Date.now()}@example.com`;
    const registered = await call('POST', '/api/auth/register', { email, password: 'a sturdy passphrase for tests' });
    expect(registered.status).toBe(201);
    expect((await call('POST', '/api/auth/otp/request', { email })).status).toBe(202);

    // Without SMTP_URL, development mode writes mail into DATA_DIR/mailbox.
    let code: string | undefined;
    // Polls for the mail: the wait ends when it is there, with room for a loaded machine.
    for (let i = 0; i < 250 && code === undefined; i += 1) {
      const mailbox = path.join(dataDir, 'mailbox');
      const files = (() => {
        try {
          return readdirSync(mailbox);
        } catch {
          return [];
        }
      })();
      const text = files.map((f) => readFileSync(path.join(mailbox, f), 'utf8')).find((m) => m.includes(email));
      code = text ? /\b(\d{6})\b/.exec(text.split('\n\n').slice(1).join('\n'))?.[1] : undefined;
      if (code === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(code).toMatch(/^\d{6}$/);
    const verified = await call('POST', '/api/auth/otp/verify', { email, code });
    expect(verified.status).toBe(200);
    const session = (await registered.json()) as { accessToken: string; refreshToken: string };

    await shutDown();
    await boot();
    const profile = await call('GET', '/api/auth/profile', undefined, session.accessToken);
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ email });
    expect((await call('POST', '/api/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(200);
  });

  it('serves Socket.IO on the same port: the budget warning arrives live, logout lets the socket go, the revoked token is refused', async () => {
    expect(await openSocket(undefined)).toEqual({ refused: 'missing_token' });
    const registered = await call('POST', '/api/auth/register', { email: `live-${Date.now()}@example.com`, password: 'a sturdy passphrase for tests' });
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const opened = await openSocket(accessToken);
    if (!('socket' in opened)) throw new Error(`refused: ${opened.refused}`);

    // A second user, with the same kind of budget, listening on their own socket.
    const bystander = (await (
      await call('POST', '/api/auth/register', { email: `other-${Date.now()}@example.com`, password: 'a sturdy passphrase for tests' })
    ).json()) as { accessToken: string };
    const watching = await openSocket(bystander.accessToken);
    if (!('socket' in watching)) throw new Error(`refused: ${watching.refused}`);
    const overheard: unknown[] = [];
    watching.socket.onAny((name: string, data: unknown) => overheard.push({ name, data }));
    expect((await call('POST', '/api/budgets', { name: 'Mine', amount: '100.00', period: 'monthly' }, bystander.accessToken)).status).toBe(201);

    // Finance publishes through its outbox; realtime's consumer pushes it to this user's room.
    const warning = new Promise((resolve) => opened.socket.once('budget.threshold_reached', resolve));
    expect((await call('POST', '/api/budgets', { name: 'Everything', amount: '100.00', period: 'monthly' }, accessToken)).status).toBe(201);
    expect((await call('POST', '/api/transactions', { type: 'expense', amount: '85.00', description: 'Groceries' }, accessToken)).status).toBe(201);
    // The contract is "within a second" of the spending; it arrives in milliseconds.
    const late = new Promise((resolve) =>
      setTimeout(() => {
        resolve('not within a second');
      }, 1_000).unref(),
    );
    expect(await Promise.race([warning, late])).toMatchObject({
      type: 'budget.threshold_reached',
      payload: { name: 'Everything', threshold: 80, spent: '85.00' },
    });
    expect(overheard).toEqual([]);
    watching.socket.disconnect();

    const told = new Promise((resolve) => opened.socket.once('unauthorized', resolve));
    const gone = new Promise((resolve) => opened.socket.once('disconnect', resolve));

    expect((await call('POST', '/api/auth/logout', {}, accessToken)).status).toBe(204);
    expect(await told).toMatchObject({ code: 'token_revoked' });
    expect(await gone).toBe('io server disconnect');
    expect(await openSocket(accessToken)).toEqual({ refused: 'token_revoked' });
  });

  it('runs as its own process (npm start): answers, and closes open sockets on SIGTERM and stops', async () => {
    // The same DATA_DIR: one process at a time may hold the embedded database.
    await shutDown();
    await spawnServer();
    expect(await (await call('GET', '/ready')).json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    const registered = await call('POST', '/api/auth/register', { email: `stop-${Date.now()}@example.com`, password: 'a sturdy passphrase for tests' });
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const opened = await openSocket(accessToken);
    if (!('socket' in opened)) throw new Error(`refused: ${opened.refused}`);
    const gone = new Promise((resolve) => opened.socket.once('disconnect', resolve));
    await stopChild();
    // A transport close, not a server disconnect: clients reconnect by themselves, to another replica.
    expect(await gone).toBe('transport close');
    expect(child?.exitCode).toBe(0);
  }, 120_000);
});
