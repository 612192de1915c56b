/**
 * A soak run (not a test): the all-in-one as its own process over a fresh PostgreSQL database,
 * under a steady realistic mix for a long time, to catch what only shows with time: errors under
 * sustained load, latency that creeps up, memory that keeps growing.
 *
 *   npm run bench:soak -- [--duration 600] [--rate 40] [--users 20] [--window 10] [--warmup 60]
 *
 * --rate is requests per second, sent open-loop (one every 1/rate s, whether or not the previous
 * ones answered), so a slow server meets more pending requests instead of a politely slower
 * client: set it to half the peak bench:run measured. Each user has a budget and a Socket.IO
 * connection; the mix: 40% POST /api/transactions, 30% GET /api/transactions?limit=50, 15% GET
 * /api/budgets/overview, 10% GET /api/transactions/summary, 5% GET /api/analytics/forecast.
 *
 * Reported per window: requests, errors, p50/p99 latency, the server's RSS; at the end the error
 * count by status, p99 over time, RSS growth after the warm-up, and whether every created
 * transaction was pushed to its owner's sockets. Exits 1 when any request failed.
 * BENCH_PG_SERVER picks the PostgreSQL server (bench/lib.ts), SOAK_DB the database it recreates at
 * the start (and leaves behind for a look afterwards); SOAK_REDIS_URL and SOAK_AMQP_URL add Redis and
 * RabbitMQ as in production.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { databaseUrl, recreateDatabase } from './lib.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '');
const DURATION_S = Number(args.get('duration') ?? 600);
const RATE = Number(args.get('rate') ?? 40);
const USERS = Number(args.get('users') ?? 20);
const WINDOW_S = Number(args.get('window') ?? 10);
const WARMUP_S = Number(args.get('warmup') ?? Math.min(60, Math.floor(DURATION_S / 5)));
/** Requests in flight beyond this are not sent (counted as shed): the client must not run out of memory itself. */
const MAX_IN_FLIGHT = 500;
const SOAK_DB = process.env.SOAK_DB ?? 'expensio_soak';
const root = path.resolve(import.meta.dirname, '..');

interface User {
  token: string;
  refreshToken: string;
  socket: Socket;
  pushed: number;
}

interface Window {
  startedS: number;
  latenciesMs: number[];
  errors: number;
  shed: number;
  rssMb: number | undefined;
}

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

/** The server's resident memory, from /proc (Linux); undefined elsewhere. */
function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const port = await freePort();
const base = `http://127.0.0.1:${String(port)}`;
await recreateDatabase(SOAK_DB);
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  HOST: '127.0.0.1',
  PORT: String(port),
  DATABASE_URL: databaseUrl(SOAK_DB),
  MIGRATE_ON_START: 'true',
  LOG_LEVEL: 'warn',
  // Every simulated user comes from 127.0.0.1: the per-client limits would stop the soak, not the server.
  RATE_LIMIT_MAX: '100000000',
  REGISTRATION_IP_LIMIT: '100000',
  ...(process.env.SOAK_REDIS_URL !== undefined && { REDIS_URL: process.env.SOAK_REDIS_URL }),
  ...(process.env.SOAK_AMQP_URL !== undefined && { AMQP_URL: process.env.SOAK_AMQP_URL }),
};
/** Changed by the server's exit handler: an object, so the compiler does not assume it stays false. */
const state = { serverExited: false, stopping: false };
const server = spawn(process.execPath, ['--import', 'tsx', 'apps/all-in-one/src/main.ts'], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
server.once('exit', (code) => {
  state.serverExited = true;
  if (!state.stopping) console.error(`the server exited (${String(code)}) during the soak`);
});

async function api(method: string, url: string, body?: unknown, token?: string): Promise<Response> {
  return fetch(`${base}${url}`, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(token !== undefined && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

async function waitUntilUp(): Promise<void> {
  // Polls until the server answers: it is up when it is up, however loaded the machine.
  for (;;) {
    if (state.serverExited) throw new Error('the server exited before it was up');
    const ok = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await delay(200);
  }
}

async function newUser(n: number): Promise<User> {
  const email = `soak-${String(n)}-${randomBytes(3).toString('hex')}@example.com`;
  const registered = await api('POST', '/api/auth/register', { email, password: 'correct horse battery staple 42' });
  if (registered.status !== 201) throw new Error(`register: ${String(registered.status)} ${await registered.text()}`);
  const body = (await registered.json()) as { accessToken: string; refreshToken: string };
  const budget = await api('POST', '/api/budgets', { name: 'Everything', amount: '5000.00', period: 'monthly', startDate: '2026-01-01' }, body.accessToken);
  if (budget.status !== 201) throw new Error(`budget: ${String(budget.status)} ${await budget.text()}`);
  // A daily forecast needs two weeks of history: one purchase three weeks ago starts it.
  const past = new Date(Date.now() - 21 * 86_400_000).toISOString();
  const history = await api('POST', '/api/transactions', { type: 'expense', amount: '20.00', description: 'soak history', occurredAt: past }, body.accessToken);
  if (history.status !== 201) throw new Error(`history: ${String(history.status)} ${await history.text()}`);
  const socket = connectSocket(base, { auth: { token: body.accessToken }, transports: ['websocket'], forceNew: true });
  const user: User = { token: body.accessToken, refreshToken: body.refreshToken, socket, pushed: 0 };
  // Only the soak's own creates are counted, not the history above (pushed before or after connecting).
  socket.on('transaction.created', (envelope: { payload?: { description?: string | null } }) => {
    if (envelope.payload?.description?.startsWith('soak #') === true) user.pushed += 1;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      resolve();
    });
    socket.once('connect_error', reject);
  });
  return user;
}

/** Access tokens live minutes: a soak outlives them, as a real client does, by refreshing. */
async function refresh(user: User): Promise<void> {
  const response = await api('POST', '/api/auth/refresh', { refreshToken: user.refreshToken });
  if (response.status !== 200) throw new Error(`refresh: ${String(response.status)}`);
  const body = (await response.json()) as { accessToken: string; refreshToken: string };
  user.token = body.accessToken;
  user.refreshToken = body.refreshToken;
  user.socket.auth = { token: body.accessToken };
}

const MIX: { weight: number; send: (user: User, i: number) => Promise<Response> }[] = [
  {
    weight: 40,
    send: (u, i) => api('POST', '/api/transactions', { type: 'expense', amount: `${String(1 + (i % 90))}.25`, description: `soak #${String(i)}` }, u.token),
  },
  { weight: 30, send: (u) => api('GET', '/api/transactions?limit=50', undefined, u.token) },
  { weight: 15, send: (u) => api('GET', '/api/budgets/overview', undefined, u.token) },
  { weight: 10, send: (u) => api('GET', '/api/transactions/summary?timeframe=month', undefined, u.token) },
  { weight: 5, send: (u) => api('GET', '/api/analytics/forecast', undefined, u.token) },
];
const TOTAL_WEIGHT = MIX.reduce((sum, m) => sum + m.weight, 0);

function pick(i: number) {
  // A fixed interleaving (not random) so two runs send the same mix in the same order.
  let slot = (i * 37) % TOTAL_WEIGHT;
  for (const entry of MIX) {
    if (slot < entry.weight) return entry;
    slot -= entry.weight;
  }
  return MIX[0] as (typeof MIX)[number];
}

const users: User[] = [];
const windows: Window[] = [];
const errorsByStatus = new Map<string, number>();
let created = 0;
let inFlight = 0;

function record(window: Window, started: number, outcome: string | undefined) {
  window.latenciesMs.push(performance.now() - started);
  if (outcome !== undefined) {
    window.errors += 1;
    errorsByStatus.set(outcome, (errorsByStatus.get(outcome) ?? 0) + 1);
  }
}

async function one(i: number, window: Window): Promise<void> {
  const user = users[i % users.length] as User;
  const entry = pick(i);
  const started = performance.now();
  try {
    let response = await entry.send(user, i);
    if (response.status === 401) {
      await refresh(user);
      response = await entry.send(user, i);
    }
    const ok = response.status >= 200 && response.status < 300;
    if (ok && entry === MIX[0]) created += 1;
    // The body is read in full: a real client does, and an unread body holds the connection.
    await response.arrayBuffer();
    record(window, started, ok ? undefined : String(response.status));
  } catch (error) {
    record(window, started, error instanceof Error ? error.message : 'error');
  }
}

try {
  await waitUntilUp();
  for (let n = 0; n < USERS; n += 1) users.push(await newUser(n));
  console.log(
    `soak: ${String(USERS)} users, ${String(RATE)} req/s for ${String(DURATION_S)} s (windows of ${String(WINDOW_S)} s, warm-up ${String(WARMUP_S)} s), server pid ${String(server.pid)}`,
  );
  const start = performance.now();
  const pending = new Set<Promise<void>>();
  let window: Window = { startedS: 0, latenciesMs: [], errors: 0, shed: 0, rssMb: undefined };
  for (let i = 0; ; i += 1) {
    const dueMs = (i * 1000) / RATE;
    const elapsedMs = performance.now() - start;
    if (elapsedMs >= DURATION_S * 1000 || state.serverExited) break;
    if (elapsedMs >= (window.startedS + WINDOW_S) * 1000) {
      window.rssMb = rssMb(server.pid);
      windows.push(window);
      report(window);
      window = { startedS: window.startedS + WINDOW_S, latenciesMs: [], errors: 0, shed: 0, rssMb: undefined };
    }
    if (dueMs > elapsedMs) await delay(dueMs - elapsedMs);
    if (inFlight >= MAX_IN_FLIGHT) {
      window.shed += 1;
      continue;
    }
    inFlight += 1;
    const request = one(i, window).finally(() => {
      inFlight -= 1;
      pending.delete(request);
    });
    pending.add(request);
  }
  await Promise.all(pending);
  window.rssMb = rssMb(server.pid);
  if (window.latenciesMs.length > 0) {
    windows.push(window);
    report(window);
  }
  // Pushes trail their commits by the outbox relay's delay: give them a moment to land.
  for (let waited = 0; waited < 10_000 && users.reduce((sum, u) => sum + u.pushed, 0) < created; waited += 200) await delay(200);
  summarise();
} finally {
  state.stopping = true;
  for (const user of users) user.socket.close();
  if (!state.serverExited) {
    const exited = new Promise<void>((resolve) =>
      server.once('exit', () => {
        resolve();
      }),
    );
    server.kill('SIGTERM');
    await exited;
  }
}

function report(w: Window) {
  const sorted = [...w.latenciesMs].sort((a, b) => a - b);
  console.log(
    `t=${String(w.startedS).padStart(5)}s  requests ${String(sorted.length).padStart(6)}  errors ${String(w.errors).padStart(4)}  shed ${String(w.shed).padStart(4)}  ` +
      `p50 ${percentile(sorted, 50).toFixed(1).padStart(7)} ms  p99 ${percentile(sorted, 99).toFixed(1).padStart(7)} ms  rss ${w.rssMb?.toFixed(0) ?? '?'} MB`,
  );
}

function summarise() {
  const all = windows.flatMap((w) => w.latenciesMs).sort((a, b) => a - b);
  const errors = windows.reduce((sum, w) => sum + w.errors, 0);
  const shed = windows.reduce((sum, w) => sum + w.shed, 0);
  const afterWarmup = windows.filter((w) => w.startedS >= WARMUP_S && w.rssMb !== undefined);
  const first = afterWarmup[0]?.rssMb;
  const last = afterWarmup.at(-1)?.rssMb;
  const pushed = users.reduce((sum, u) => sum + u.pushed, 0);
  console.log('\n| window start (s) | requests | errors | p50 (ms) | p99 (ms) | server RSS (MB) |\n|---|---|---|---|---|---|');
  for (const w of windows) {
    const sorted = [...w.latenciesMs].sort((a, b) => a - b);
    console.log(
      `| ${String(w.startedS)} | ${String(sorted.length)} | ${String(w.errors)} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} | ${w.rssMb?.toFixed(0) ?? '?'} |`,
    );
  }
  console.log(
    `\nrequests ${String(all.length)}, errors ${String(errors)}${errors > 0 ? ` (${[...errorsByStatus].map(([s, n]) => `${s}: ${String(n)}`).join(', ')})` : ''}, shed ${String(shed)}`,
  );
  console.log(`latency overall p50 ${percentile(all, 50).toFixed(1)} ms, p99 ${percentile(all, 99).toFixed(1)} ms`);
  if (first !== undefined && last !== undefined) {
    console.log(`server RSS after warm-up ${first.toFixed(0)} MB -> end ${last.toFixed(0)} MB: ${(((last - first) / first) * 100).toFixed(1)}% growth`);
  } else {
    console.log('server RSS growth: not measured (run longer than the warm-up, on Linux)');
  }
  console.log(`transactions created ${String(created)}, pushed to their owners' sockets ${String(pushed)}`);
  if (errors > 0 || pushed < created) process.exitCode = 1;
}
