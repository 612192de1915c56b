/**
 * The API beside pgbench on the same machine, in the same run (not a test). Needs the database
 * bench/seed.ts built.
 *
 *   node --import tsx bench/run.ts [--duration 15] [--connections 10] [--rounds 3] [--warmup 2000]
 *
 * For each scenario pgbench runs the equivalent SQL, then autocannon runs the HTTP request
 * against the finance API (bench/server.ts, its own process, 127.0.0.1 only), each for the same
 * bounded time at the same concurrency after a short warm-up. Scenarios:
 * - insert / unscored / budget: POST /api/transactions (validated, authenticated, a unique
 *   Idempotency-Key each) by 20 users without a budget, the same with fraud scoring off (a second
 *   server, BENCH_SCORING=off), then by the 20 users with a monthly budget over all spending
 *   (bench/seed.ts), against pgbench's single-row insert and the bare route;
 * - first page: GET /api/transactions?limit=50 for the heavy user against the same page query;
 * - deep page: the same with a cursor 90,000 rows into the heavy user's history, against the
 *   page query with the keyset predicate;
 * - cash flow: GET /api/analytics/cash-flow, a year of days for the heavy user, against the
 *   statements it sends (bench/sql/analytics-cash-flow.sql);
 * - comprehensive: GET /api/analytics/comprehensive over the heavy user's last 30 days, against its
 *   range statements (bench/sql/analytics-comprehensive.sql);
 * - forecast: GET /api/analytics/forecast?granularity=day (30 days ahead) fitted on the heavy user's
 *   two years of daily history, against its statements (bench/sql/analytics-forecast.sql): the SQL
 *   reads one total per day, the rest is the model (candidates and their backtest) in Node.
 * For insert and first page, bench/bare-server.ts (Fastify + pg, nothing else) is measured too:
 * what a Node route on this machine gets at all. Options: --only insert|unscored|budget|first|deep|cashflow|comprehensive|forecast,
 * --deep ROWS, --profile DIR (the API server's CPU profile), --requests N (each measured run sends N
 * requests instead of running for --duration), --pgbench off (skip pgbench, for cost runs),
 * --rounds N, --warmup N (below).
 *
 * Each measured run also says what one request costs, which a busy machine changes far less than
 * it changes throughput: the CPU time the server process spent (its /proc utime + stime) and the
 * CPU time PostgreSQL's backends serving that server spent (found by their application_name), each
 * divided by the requests answered, and the statements the server sent per request (counted in
 * the server by bench/counting.ts; BEGIN and COMMIT included). PostgreSQL's shared processes (WAL
 * writer, checkpointer, autovacuum) are not counted.
 *
 * Fairness between scenarios (issues 9 and 12 compare them in one run). The first measured run on
 * a fresh server used to cost the API 30-80% more CPU per request than the same run repeated
 * (measured with --pgbench off, so not pgbench's rows): V8 was still compiling the path (node
 * --trace-opt: ~360 TurboFan compilations in that run against 30-90 in the next ones, their CPU
 * charged to the process), and 3 s of warm-up is only a few hundred requests on a busy machine.
 * Reconnecting the pool (every connection preparing its statements again) changed nothing
 * measurable. So: before any measured run every server answers --warmup requests (default 2,000;
 * at most 60 s) of each request it will be measured on, and every API writer starts with a full
 * fraud history window (fillFraudWindows says why); the POST scenarios run in --rounds rounds (default 3), each
 * in another order, and report the median req/s and CPU per request of each scenario and each
 * ratio per round with its median; pgbench and the bare route insert only for users no API
 * scenario writes as (bench/users.ts), so they do not change the budget spending and velocity
 * windows the next API run reads; and only the measured server's outbox relay runs, since an idle
 * server's relay took part of the measured one's rows (~0.2-0.4 ms of CPU per request).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import autocannon, { type Options as CannonOptions } from 'autocannon';
import pg from 'pg';
import { databaseUrl, mintToken, newSigningKey, PG_SERVER } from './lib.js';
import { cpuPerRequest, median, medianCost, rotated, type Cost } from './rounds.js';
import { startServer as startServerProcess, type BenchServer as Server } from './spawn-server.js';
import { API_WRITERS, BUDGETED, FRAUD_RECENT, OTHER_WRITERS } from './users.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '');
const DURATION = Number(args.get('duration') ?? 15);
const CONNECTIONS = Number(args.get('connections') ?? 10);
const WARMUP = 3;
const DEEP_OFFSET = Number(args.get('deep') ?? 90_000);
const ONLY = args.get('only');
/** A folder to write the server's CPU profile to (node --cpu-prof), when looking for a hot path. */
const PROFILE = args.get('profile');
/** A fixed number of requests per measured run, instead of a duration. */
const REQUESTS = args.has('requests') ? Number(args.get('requests')) : undefined;
const PGBENCH = args.get('pgbench') !== 'off';
/** Rounds of the POST scenarios, each in another order. */
const ROUNDS = Math.max(1, Number(args.get('rounds') ?? 3));
/** Requests each server answers of each request it will be measured on, before any measured run. */
const WARMUP_REQUESTS = Number(args.get('warmup') ?? 2000);
/** A slow route stops warming after this long, whatever WARMUP_REQUESTS says. */
const WARMUP_CAP_S = 60;
const BENCH_DB = process.env.BENCH_DB ?? 'expensio_bench';
const run = promisify(execFile);

/** The list query the API sends (services/finance/src/transactions/repo.ts), for pgbench. */
const PAGE_SELECT = `select t.*, c.slug as category_slug from finance.transactions as t left join finance.categories as c on c.id = t.category_id where t.user_id = :uid`;
const PAGE_ORDER = `order by t.occurred_at desc, t.id desc limit 51`;

const SCRIPTS = {
  insert: `\\set n random(${OTHER_WRITERS.first}, ${OTHER_WRITERS.last})
insert into finance.transactions (id, user_id, account_id, type, amount, currency, category_id, description, merchant, occurred_at, tags, transfer_id, created_at, updated_at)
select gen_random_uuid(), user_id, account_id, 'expense', 1234, 'USD', null, 'pgbench', null, now(), '{}', null, now(), now() from bench.users where n = :n;
`,
  first: `${PAGE_SELECT} ${PAGE_ORDER};\n`,
  deep: `${PAGE_SELECT} and (t.occurred_at, t.id) < (:at::timestamptz, :cid::uuid) ${PAGE_ORDER};\n`,
  cashflow: readFileSync(path.join(import.meta.dirname, 'sql', 'analytics-cash-flow.sql'), 'utf8'),
  comprehensive: readFileSync(path.join(import.meta.dirname, 'sql', 'analytics-comprehensive.sql'), 'utf8'),
  forecast: readFileSync(path.join(import.meta.dirname, 'sql', 'analytics-forecast.sql'), 'utf8'),
};

async function pgbench(name: keyof typeof SCRIPTS, variables: Record<string, string>, seconds: number): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'expensio-pgbench-'));
  const file = path.join(dir, `${name}.sql`);
  writeFileSync(file, SCRIPTS[name]);
  const url = new URL(databaseUrl(BENCH_DB));
  const defines = Object.entries(variables).flatMap(([k, v]) => ['-D', `${k}=${v}`]);
  const { stdout } = await run('pgbench', [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    url.username || 'postgres',
    '-n',
    '-M',
    'prepared',
    '-c',
    String(CONNECTIONS),
    '-j',
    '2',
    '-T',
    String(seconds),
    ...defines,
    '-f',
    file,
    url.pathname.slice(1),
  ]);
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  if (!match?.[1]) throw new Error(`pgbench printed no tps:\n${stdout}`);
  return Number(match[1]);
}

/**
 * Gives every API writer FRAUD_RECENT expenses in the last 20 minutes, so the fraud score's history
 * read is full (the most it reads) for users with and without a budget alike from the first run:
 * otherwise the users of two scenarios (with and without scoring) fill it twice as fast as the
 * budgeted ones, and a scenario's cost would depend on how much the run had written before it.
 */
async function fillFraudWindows() {
  const client = new pg.Client({ connectionString: databaseUrl(BENCH_DB) });
  await client.connect();
  try {
    await client.query(
      `insert into finance.transactions (id, user_id, account_id, type, amount, currency, category_id, description, merchant, occurred_at, tags, transfer_id, created_at, updated_at)
       select gen_random_uuid(), u.user_id, u.account_id, 'expense', 1000 + floor(random() * 89000)::bigint, 'USD', null, 'bench history', 'Bench Market',
              now() - g * interval '6 seconds', '{}', null, now(), now()
       from bench.users u cross join generate_series(1, $3::int) g where u.n between $1 and $2`,
      [API_WRITERS.first, API_WRITERS.last, FRAUD_RECENT],
    );
  } finally {
    await client.end();
  }
}

interface HttpResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Requests answered. */
  answered: number;
}

const TICK_MS = 1000 / Number((await run('getconf', ['CLK_TCK'])).stdout.trim());

/** CPU time (user + system) a process has used so far, in ms; undefined when it is not on this machine. */
function cpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // After the command name (in parentheses, which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** CPU ms so far of each PostgreSQL backend serving this application_name. */
async function backendsCpu(application: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: databaseUrl(BENCH_DB) });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and application_name = $2', [
      BENCH_DB,
      application,
    ]);
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      const ms = cpuMs(pid);
      if (ms !== undefined) cpu.set(pid, ms);
    }
    return cpu;
  } finally {
    await client.end();
  }
}

/** Runs the load against one server and says what each request cost the server and PostgreSQL. */
async function measured(server: Server, work: () => Promise<HttpResult>): Promise<HttpResult & { cost: Cost }> {
  const pgBefore = await backendsCpu(server.application);
  const apiBefore = cpuMs(server.pid) ?? 0;
  const statementsBefore = await server.statements();
  const http = await work();
  const apiAfter = cpuMs(server.pid) ?? 0;
  const statementsAfter = await server.statements();
  const pgAfter = await backendsCpu(server.application);
  // A backend opened during the run counts from zero; none found (PostgreSQL elsewhere): unknown.
  let pgMs: number | undefined = pgAfter.size === 0 ? undefined : 0;
  for (const [pid, ms] of pgAfter) pgMs = (pgMs ?? 0) + ms - (pgBefore.get(pid) ?? 0);
  const n = Math.max(1, http.answered);
  return {
    ...http,
    cost: { apiCpuMs: (apiAfter - apiBefore) / n, pgCpuMs: pgMs === undefined ? undefined : pgMs / n, statements: (statementsAfter - statementsBefore) / n },
  };
}

type MakeRequest = () => { method: string; path: string; headers: Record<string, string>; body?: string };

async function cannon(port: number, request: MakeRequest, limit: Pick<CannonOptions, 'duration' | 'amount' | 'maxOverallRequests'>): Promise<HttpResult> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    ...limit,
    timeout: 10,
    requests: [{ setupRequest: (base) => ({ ...base, ...request() }) }],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    answered: result['2xx'] + result.non2xx,
  };
}

function encodeCursor(at: Date, id: string): string {
  // As services/finance/src/shared/cursor.ts encodes it.
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

function startServer(script: 'server.ts' | 'bare-server.ts', publicJwk: object, env: Record<string, string> = {}) {
  return startServerProcess(script, { database: BENCH_DB, publicJwk, poolSize: CONNECTIONS, profileDir: PROFILE, env });
}

async function machine() {
  const client = new pg.Client({ connectionString: PG_SERVER });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('show server_version');
  await client.end();
  const { stdout } = await run('pgbench', ['--version']);
  return {
    nproc: os.availableParallelism(),
    memoryGb: (os.totalmem() / 1024 ** 3).toFixed(1),
    cpu: os.cpus()[0]?.model ?? '?',
    node: process.version,
    postgres: rows[0]?.server_version,
    pgbench: stdout.trim(),
  };
}

async function main() {
  const db = new pg.Client({ connectionString: databaseUrl(BENCH_DB) });
  await db.connect();
  const users = (await db.query<{ n: number; user_id: string }>('select n, user_id from bench.users where n <= 1001 order by n')).rows;
  const heavy = users[0]?.user_id;
  if (heavy === undefined) throw new Error(`no bench.users in ${BENCH_DB}: run bench/seed.ts first`);
  // Where the forecast's history begins: the heavy user's first day (the seed spreads it over 730 days).
  const firstDay = (
    await db.query<{ day: string }>(`select to_char(min(occurred_at) at time zone 'UTC', 'YYYY-MM-DD') as day from finance.transactions where user_id = $1`, [
      heavy,
    ])
  ).rows[0]?.day;
  const deepRow = (
    await db.query<{ occurred_at: Date; id: string }>(
      'select occurred_at, id from finance.transactions where user_id = $1 order by occurred_at desc, id desc offset $2 limit 1',
      [heavy, DEEP_OFFSET],
    )
  ).rows[0];
  await db.end();
  if (!deepRow) throw new Error(`the heavy user has fewer than ${DEEP_OFFSET} transactions`);
  if (firstDay === undefined) throw new Error('the heavy user has no transactions');

  const key = await newSigningKey();
  const writers = await Promise.all(users.slice(1).map((u) => mintToken(key, u.user_id)));
  const reader = await mintToken(key, heavy);
  const deepCursor = encodeCursor(deepRow.occurred_at, deepRow.id);
  const server = await startServer('server.ts', key.publicJwk);
  const bare = await startServer('bare-server.ts', key.publicJwk);
  // The same API with fraud scoring switched off: what scoring costs, measured in the same run.
  const unscored = await startServer('server.ts', key.publicJwk, { BENCH_SCORING: 'off' });
  const env = await machine();
  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.error(JSON.stringify(env));

  // Users 2..21 have a monthly budget over all spending (bench/seed.ts); the others have none.
  const budgeted = writers.slice(0, BUDGETED);
  const unbudgeted = writers.slice(BUDGETED, BUDGETED * 2);
  let turn = 0;
  const insertAs = (tokens: string[]) => () => {
    turn += 1;
    return {
      method: 'POST',
      path: '/api/transactions',
      headers: {
        authorization: `Bearer ${tokens[turn % tokens.length] ?? ''}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      // Amounts vary, so the fraud score does not see every create as a duplicate of the one before.
      body: JSON.stringify({
        type: 'expense',
        amount: (10 + Math.floor(Math.random() * 90_000) / 100).toFixed(2),
        category: 'groceries',
        description: 'autocannon',
        merchant: 'Bench Market',
        tags: ['bench'],
      }),
    };
  };
  const page = (cursor?: string) => () => ({
    method: 'GET',
    path: `/api/transactions?limit=50${cursor === undefined ? '' : `&cursor=${cursor}`}`,
    headers: { authorization: `Bearer ${reader}` },
  });

  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const analytics = (query: string) => () => ({ method: 'GET', path: `/api/analytics/${query}`, headers: { authorization: `Bearer ${reader}` } });
  // The bench user has no time zone of its own: UTC, as analyticsTimeZone answers without one.
  const range = (days: number) => ({ uid: heavy, cur: 'USD', tz: 'UTC', prev: day(1 - 2 * days), from: day(1 - days), to: day(1) });

  const bareInsert = () => ({ method: 'POST', path: '/insert', headers: {} });
  const barePage = () => ({ method: 'GET', path: `/page?uid=${heavy}`, headers: {} });

  const scenarios = [
    {
      name: 'insert',
      http: 'POST /api/transactions (users without a budget)',
      sql: 'single-row insert',
      vars: {},
      request: insertAs(unbudgeted),
      target: server,
      bare: bareInsert,
      aim: 0.4,
    },
    {
      name: 'unscored',
      http: 'POST /api/transactions (no budget, fraud scoring off)',
      sql: 'single-row insert',
      vars: {},
      request: insertAs(unbudgeted),
      target: unscored,
      bare: undefined,
      aim: 0.4,
    },
    {
      name: 'budget',
      http: 'POST /api/transactions (users with a monthly budget)',
      sql: 'single-row insert',
      vars: {},
      request: insertAs(budgeted),
      target: server,
      bare: undefined,
      aim: 0.4,
    },
    {
      name: 'first',
      http: 'GET /api/transactions (first page)',
      sql: 'page query',
      vars: { uid: heavy },
      request: page(),
      target: server,
      bare: barePage,
      aim: 0.2,
    },
    {
      name: 'deep',
      http: `GET /api/transactions (cursor ${DEEP_OFFSET} rows deep)`,
      sql: 'page query + keyset predicate',
      vars: { uid: heavy, at: deepRow.occurred_at.toISOString(), cid: deepRow.id },
      request: page(deepCursor),
      target: server,
      bare: undefined,
      aim: 0.2,
    },
    {
      name: 'cashflow',
      http: 'GET /api/analytics/cash-flow (365 days)',
      sql: 'cash-flow statement',
      vars: range(365),
      request: analytics(`cash-flow?granularity=day&from=${day(-364)}&to=${day(1)}`),
      target: server,
      bare: undefined,
      aim: 1 / 3,
    },
    {
      name: 'comprehensive',
      http: 'GET /api/analytics/comprehensive (30 days)',
      sql: 'comprehensive range statements',
      vars: range(30),
      request: analytics('comprehensive'),
      target: server,
      bare: undefined,
      aim: 1 / 3,
    },
    {
      name: 'forecast',
      http: 'GET /api/analytics/forecast (daily, two years of history)',
      sql: 'forecast statements',
      vars: { uid: heavy, cur: 'USD', tz: 'UTC', from: firstDay, to: day(0), next: day(1) },
      request: analytics('forecast?granularity=day&horizon=30'),
      target: server,
      bare: undefined,
      aim: 1 / 3,
    },
  ] as const;

  const selected = scenarios.filter((s) => ONLY === undefined || ONLY === s.name);
  const results: Row[] = [];
  const rounds: Round[] = [];
  const servers = [server, unscored, bare];
  // Only the measured server's relay runs (spawn-server.ts says why).
  const only = async (target: Server) => {
    for (const candidate of servers) await candidate.relay(candidate === target);
  };
  /** The short warm-up (whatever ran before, pgbench or another server, settles), then the measured run. */
  const measure = async (target: Server, request: MakeRequest, label: string) => {
    await only(target);
    await cannon(target.port, request, { duration: WARMUP });
    const http = await measured(target, () => cannon(target.port, request, REQUESTS === undefined ? { duration: DURATION } : { amount: REQUESTS }));
    if (http.non2xx > 0 || http.errors > 0) throw new Error(`${label}: ${http.non2xx} non-2xx answers, ${http.errors} errors`);
    return http;
  };
  try {
    // Every server, before any measured run, answers each request it will be measured on: its JIT
    // has compiled the path, its heap has grown, every pooled connection has prepared every
    // statement. The creates warm last, so the first round does not follow the analytics routes on the same server.
    if (selected.some((s) => POST_SCENARIOS.has(s.name))) await fillFraudWindows();
    const warmOrder = [...selected.filter((s) => !POST_SCENARIOS.has(s.name)), ...selected.filter((s) => POST_SCENARIOS.has(s.name))];
    for (const s of WARMUP_REQUESTS > 0 ? warmOrder : []) {
      for (const [target, request] of [[s.target, s.request] as const, ...(s.bare === undefined ? [] : [[bare, s.bare] as const])]) {
        await only(target);
        const started = performance.now();
        const warm = await cannon(target.port, request, { duration: WARMUP_CAP_S, maxOverallRequests: WARMUP_REQUESTS });
        const label = target === bare ? `bare ${s.name}` : s.http;
        console.error(`warm-up: ${label}: ${warm.answered} requests in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    }

    const posts = selected.filter((s) => POST_SCENARIOS.has(s.name));
    const runs = [
      ...posts.map((s) => ({ name: s.name, http: s.http, target: s.target, request: s.request })),
      ...posts.flatMap((s) => (s.bare === undefined ? [] : [{ name: 'bare', http: 'bare Fastify + pg insert', target: bare, request: s.bare }])),
    ];
    const vacuuming = await autovacuumIsOff();
    if (vacuuming && runs.length > 0) console.error('autovacuum is off on this server: the run vacuums the tables the creates churn before each round');
    for (let round = 0; round < ROUNDS && runs.length > 0; round += 1) {
      const tps = PGBENCH ? await pgbench('insert', {}, DURATION) : Number.NaN;
      if (vacuuming) await vacuumChurned();
      const measuredRuns: RoundRun[] = [];
      for (const [place, r] of rotated(runs, round).entries()) {
        const http = await measure(r.target, r.request, r.http);
        const run = { name: r.name, place: place + 1, rps: http.rps, p50: http.p50, p99: http.p99, cost: http.cost };
        console.error(JSON.stringify({ round: round + 1, ...run }));
        measuredRuns.push(run);
      }
      rounds.push({ tps, runs: measuredRuns });
    }
    const runsOf = (name: string) => rounds.flatMap((r) => r.runs.filter((run) => run.name === name));
    for (const s of posts) {
      const own = runsOf(s.name);
      const bareRuns = s.bare === undefined ? [] : runsOf('bare');
      const tps = median(rounds.map((r) => r.tps));
      const rps = median(own.map((r) => r.rps));
      results.push({
        scenario: s.http,
        pgbench: s.sql,
        pgbenchTps: Math.round(tps),
        apiRps: Math.round(rps),
        ratio: rps / tps,
        aim: s.aim,
        p50: median(own.map((r) => r.p50)),
        p99: median(own.map((r) => r.p99)),
        bareRps: bareRuns.length === 0 ? undefined : median(bareRuns.map((r) => r.rps)),
        cost: medianCost(own.map((r) => r.cost)),
        bareCost: bareRuns.length === 0 ? undefined : medianCost(bareRuns.map((r) => r.cost)),
      });
    }

    for (const s of selected) {
      if (s.name === 'insert' || s.name === 'unscored' || s.name === 'budget') continue;
      const tps = PGBENCH ? await pgbench(s.name, s.vars, DURATION) : Number.NaN;
      const http = await measure(s.target, s.request, s.http);
      let bareRps: number | undefined;
      let bareCost: Cost | undefined;
      if (s.bare !== undefined) {
        const calibration = await measure(bare, s.bare, `bare ${s.name}`);
        bareRps = calibration.rps;
        bareCost = calibration.cost;
      }
      const row = {
        scenario: s.http,
        pgbench: s.sql,
        pgbenchTps: Math.round(tps),
        apiRps: Math.round(http.rps),
        ratio: http.rps / tps,
        aim: s.aim,
        p50: http.p50,
        p99: http.p99,
        bareRps,
        cost: http.cost,
        bareCost,
      };
      console.error(JSON.stringify(row));
      results.push(row);
    }
  } finally {
    await server.stop();
    await bare.stop();
    await unscored.stop();
  }
  const first = results.find((r) => r.scenario.includes('first'));
  const deep = results.find((r) => r.scenario.includes('deep'));
  console.log(
    `machine: ${env.nproc} cores (${env.cpu}), ${env.memoryGb} GiB, Node ${env.node}, PostgreSQL ${env.postgres}; ${CONNECTIONS} connections, ${REQUESTS === undefined ? `${DURATION} s` : `${REQUESTS} requests`} per run, warm-up ${WARMUP_REQUESTS} requests per server and request`,
  );
  // Anything else running on the machine skews every figure: the load average says whether it did.
  console.log(
    `load average (1, 5, 15 min) before: ${loadBefore}; after: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const pct = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : '–');
  const costText = (c: Cost) => `${c.apiCpuMs.toFixed(2)} / ${c.pgCpuMs === undefined ? '?' : c.pgCpuMs.toFixed(2)} / ${c.statements.toFixed(2)}`;
  if (rounds.length > 0) printRounds(rounds, pct, costText);
  if (rounds.length > 0) console.log(`POST rows below: medians of ${rounds.length} rounds.`);
  console.log(
    '| scenario | pgbench (same SQL) | pgbench tx/s | API req/s | ratio | aim | API p50 ms | API p99 ms | bare Fastify + pg req/s (ratio) | per request: API CPU ms / PostgreSQL CPU ms / statements | bare, per request |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const bareText = r.bareRps === undefined ? '–' : `${Math.round(r.bareRps)} (${pct(r.bareRps / r.pgbenchTps)})`;
    console.log(
      `| ${r.scenario} | ${r.pgbench} | ${Number.isNaN(r.pgbenchTps) ? '–' : r.pgbenchTps} | ${r.apiRps} | ${pct(r.ratio)} | ${pct(r.aim)} | ${r.p50} | ${r.p99} | ${bareText} | ${costText(r.cost)} | ${r.bareCost === undefined ? '–' : costText(r.bareCost)} |`,
    );
  }
  if (first && deep) console.log(`deep page / first page (API): ${((deep.apiRps / first.apiRps) * 100).toFixed(0)}%`);
}

async function autovacuumIsOff(): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl(BENCH_DB) });
  await client.connect();
  try {
    return (await client.query<{ autovacuum: string }>('show autovacuum')).rows[0]?.autovacuum === 'off';
  } finally {
    await client.end();
  }
}

/**
 * What autovacuum does on a production server, done by hand where it is off (as on the CI
 * machines): without it every published outbox row leaves a dead entry in the relay's pending
 * index, and each relay pass (a bitmap scan, which never marks entries dead) reads them all again,
 * a cost that grows with every run and belongs to no request.
 */
async function vacuumChurned(): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl(BENCH_DB) });
  await client.connect();
  try {
    await client.query(
      'vacuum (analyze) finance.outbox, finance.idempotency_keys, finance.risk_amounts, finance.risk_merchants, finance.risk_profiles, finance.transaction_day_totals, finance.budgets',
    );
  } finally {
    await client.end();
  }
}

/** The scenarios run in rounds, in rotating order: the creates (and, with insert, the bare insert). */
const POST_SCENARIOS = new Set(['insert', 'unscored', 'budget']);

interface Row {
  scenario: string;
  pgbench: string;
  pgbenchTps: number;
  apiRps: number;
  ratio: number;
  aim: number;
  p50: number;
  p99: number;
  bareRps: number | undefined;
  cost: Cost;
  bareCost: Cost | undefined;
}

interface RoundRun {
  /** insert, unscored, budget or bare. */
  name: string;
  /** Its place in its round, from 1. */
  place: number;
  rps: number;
  p50: number;
  p99: number;
  cost: Cost;
}

interface Round {
  tps: number;
  runs: RoundRun[];
}

/** The ratios issues 9 and 12 aim at: req/s of `over` ÷ req/s of `under`, taken in the same round. */
const RATIOS = [
  { label: 'POST with a budget / without', over: 'budget', under: 'insert', aim: 0.8 },
  { label: 'POST without a budget / bare Fastify + pg insert', over: 'insert', under: 'bare', aim: 0.6 },
  { label: 'POST with a budget / bare Fastify + pg insert', over: 'budget', under: 'bare', aim: 0.6 },
  { label: 'POST with fraud scoring / without', over: 'insert', under: 'unscored', aim: 0.75 },
];

function printRounds(rounds: Round[], pct: (value: number) => string, costText: (c: Cost) => string) {
  // Round 1 runs them in the order they are listed.
  const names = rounds[0]?.runs.map((r) => r.name) ?? [];
  console.log('POST rounds: #place in the round, req/s, per request API CPU ms / PostgreSQL CPU ms / statements');
  console.log(`| round | pgbench tx/s | ${names.join(' | ')} |`);
  console.log(`| ---: | ---: | ${names.map(() => '---').join(' | ')} |`);
  for (const [i, round] of rounds.entries()) {
    const cells = names.map((name) => {
      const run = round.runs.find((r) => r.name === name);
      return run === undefined ? '–' : `#${run.place} ${Math.round(run.rps)}: ${costText(run.cost)}`;
    });
    console.log(`| ${i + 1} | ${Number.isNaN(round.tps) ? '–' : Math.round(round.tps)} | ${cells.join(' | ')} |`);
  }
  const ratios = RATIOS.filter((r) => names.includes(r.over) && names.includes(r.under));
  if (ratios.length === 0) return;
  console.log(`| ratio (req/s) | aim | ${rounds.map((_, i) => `round ${i + 1}`).join(' | ')} | median | median by API + PostgreSQL CPU per request |`);
  console.log(`| --- | ---: | ${rounds.map(() => '---:').join(' | ')} | ---: | ---: |`);
  for (const ratio of ratios) {
    const pairs = rounds.flatMap((round) => {
      const over = round.runs.find((r) => r.name === ratio.over);
      const under = round.runs.find((r) => r.name === ratio.under);
      return over === undefined || under === undefined ? [] : [{ rps: over.rps / under.rps, cpu: cpuPerRequest(under.cost) / cpuPerRequest(over.cost) }];
    });
    console.log(
      `| ${ratio.label} | ${pct(ratio.aim)} | ${pairs.map((p) => pct(p.rps)).join(' | ')} | ${pct(median(pairs.map((p) => p.rps)))} | ${pct(median(pairs.map((p) => p.cpu)))} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
