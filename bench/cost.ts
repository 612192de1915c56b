/**
 * What one request costs, not how fast it answers (not a test): CPU seconds and bytes per request,
 * which hold up on a busy or shared machine where throughput and latency do not. Needs the
 * database bench/seed.ts built.
 *
 *   node --import tsx bench/cost.ts [--only cashflow|comprehensive|forecast] [--requests 2000] [--connections 4] [--profile DIR]
 *
 * For each analytics scenario of bench/run.ts (same requests, same SQL files): the finance API
 * (bench/server.ts) answers `--requests` requests after a warm-up, and the CPU its process used
 * (utime + stime from /proc) and the CPU of its PostgreSQL backends (every backend connected to
 * the bench database) are divided by the requests; the bytes the API read (rchar, almost all of it
 * from PostgreSQL) and the response size too. Then pgbench runs the scenario's SQL as many times,
 * and its own CPU and its backends' the same way. "API / pgbench" compares the whole cost of an
 * answer (Node + PostgreSQL) with pgbench's (pgbench + PostgreSQL): on a machine the two saturate
 * alike, it is the throughput ratio bench/run.ts measures.
 */
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { databaseUrl, mintToken, newSigningKey } from './lib.js';
import { startServer } from './spawn-server.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '');
const REQUESTS = Number(args.get('requests') ?? 2000);
const CONNECTIONS = Number(args.get('connections') ?? 4);
const ONLY = args.get('only');
/** A folder for the API server's CPU profile (node --cpu-prof), when looking for where the cost goes. */
const PROFILE = args.get('profile');
const BENCH_DB = process.env.BENCH_DB ?? 'expensio_bench';
const TICK = 1000 / 100; // ms per clock tick (getconf CLK_TCK is 100 on Linux)

/** utime + stime of a process, in ms; undefined once it has gone. */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK;
  } catch {
    return undefined;
  }
}

function io(pid: number): { rchar: number; wchar: number } {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8');
  const value = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { rchar: value('rchar'), wchar: value('wchar') };
}

async function backends(monitor: pg.Client, application?: string): Promise<number[]> {
  const { rows } = await monitor.query<{ pid: number }>(
    `select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and ($2::text is null or application_name = $2)`,
    [BENCH_DB, application ?? null],
  );
  return rows.map((r) => r.pid);
}

/** CPU ms per backend, the last value seen for each: backends that leave keep what they used. */
function sampleInto(seen: Map<number, number>, pids: number[]) {
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms !== undefined) seen.set(pid, ms);
  }
}

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

async function pgbenchCost(monitor: pg.Client, script: string, variables: Record<string, string>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'expensio-cost-'));
  const file = path.join(dir, 'script.sql');
  writeFileSync(file, script);
  const url = new URL(databaseUrl(BENCH_DB));
  const perClient = Math.ceil(REQUESTS / CONNECTIONS);
  const defines = Object.entries(variables).flatMap(([k, v]) => ['-D', `${k}=${v}`]);
  const child = spawn(
    'pgbench',
    [
      ...['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', '-n', '-M', 'prepared'],
      ...['-c', String(CONNECTIONS), '-j', '1', '-t', String(perClient), ...defines, '-f', file, url.pathname.slice(1)],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const pid = child.pid ?? 0;
  const start = new Map<number, number>();
  const seen = new Map<number, number>();
  let client = 0;
  const done = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // Backends of pgbench appear once it has connected; their CPU is sampled until they leave.
  while (child.exitCode === null && child.signalCode === null) {
    const pids = await backends(monitor, 'pgbench');
    for (const p of pids) if (!start.has(p)) start.set(p, 0);
    sampleInto(seen, pids);
    client = cpuMs(pid) ?? client;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if ((await done) !== 0) throw new Error(`pgbench failed:\n${out}`);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? NaN);
  return { transactions, clientMs: client / transactions, postgresMs: sum(seen.values()) / transactions, backends: seen.size };
}

async function main() {
  const db = new pg.Client({ connectionString: databaseUrl(BENCH_DB) });
  await db.connect();
  const heavy = (await db.query<{ user_id: string }>('select user_id from bench.users where n = 1')).rows[0]?.user_id;
  if (heavy === undefined) throw new Error(`no bench.users in ${BENCH_DB}: run bench/seed.ts first`);
  const firstDay = (
    await db.query<{ day: string }>(`select to_char(min(occurred_at) at time zone 'UTC', 'YYYY-MM-DD') as day from finance.transactions where user_id = $1`, [
      heavy,
    ])
  ).rows[0]?.day;
  if (firstDay === undefined) throw new Error('the heavy user has no transactions');

  const key = await newSigningKey();
  const reader = await mintToken(key, heavy);
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const range = (days: number) => ({ uid: heavy, cur: 'USD', tz: 'UTC', prev: day(1 - 2 * days), from: day(1 - days), to: day(1) });
  const sqlFile = (name: string) => readFileSync(path.join(import.meta.dirname, 'sql', name), 'utf8');
  // As bench/run.ts defines them.
  const scenarios = [
    { name: 'cashflow', path: `cash-flow?granularity=day&from=${day(-364)}&to=${day(1)}`, sql: sqlFile('analytics-cash-flow.sql'), vars: range(365) },
    { name: 'comprehensive', path: 'comprehensive', sql: sqlFile('analytics-comprehensive.sql'), vars: range(30) },
    {
      name: 'forecast',
      path: 'forecast?granularity=day&horizon=30',
      sql: sqlFile('analytics-forecast.sql'),
      vars: { uid: heavy, cur: 'USD', tz: 'UTC', from: firstDay, to: day(0), next: day(1) },
    },
  ];

  const server = await startServer('server.ts', { database: BENCH_DB, publicJwk: key.publicJwk, poolSize: CONNECTIONS, profileDir: PROFILE });
  console.log(
    `| scenario | API CPU ms/req | its PostgreSQL CPU ms/req | API total | bytes read by API/req | response bytes | pgbench CPU ms/tx | its PostgreSQL CPU ms/tx | pgbench total | API / pgbench |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  try {
    for (const s of scenarios) {
      if (ONLY !== undefined && ONLY !== s.name) continue;
      const request = { method: 'GET' as const, path: `/api/analytics/${s.path}`, headers: { authorization: `Bearer ${reader}` } };
      const fire = async (amount: number) => {
        const result = await autocannon({ url: `http://127.0.0.1:${server.port}`, connections: CONNECTIONS, amount, timeout: 30, requests: [request] });
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${s.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        return result;
      };
      await fire(Math.max(200, REQUESTS / 5));
      const body = await fetch(`http://127.0.0.1:${server.port}${request.path}`, { headers: request.headers }).then((r) => r.text());
      const pool = await backends(db);
      const before = { api: cpuMs(server.pid) ?? NaN, io: io(server.pid), pg: new Map<number, number>() };
      sampleInto(before.pg, pool);
      const result = await fire(REQUESTS);
      const after = { api: cpuMs(server.pid) ?? NaN, io: io(server.pid), pg: new Map<number, number>() };
      sampleInto(after.pg, await backends(db));
      const answered = result.requests.total;
      // A backend that came or went between the samples would be counted wrong: say so.
      const moved = [...after.pg.keys()].filter((p) => !before.pg.has(p)).length + [...before.pg.keys()].filter((p) => !after.pg.has(p)).length;
      if (moved > 0) console.error(`${s.name}: ${moved} backends came or went during the run; PostgreSQL CPU is approximate`);
      const apiMs = (after.api - before.api) / answered;
      const apiPgMs = sum([...after.pg].map(([pid, ms]) => ms - (before.pg.get(pid) ?? 0))) / answered;
      const readBytes = (after.io.rchar - before.io.rchar) / answered;
      const bench = await pgbenchCost(db, s.sql, s.vars);
      const apiTotal = apiMs + apiPgMs;
      const benchTotal = bench.clientMs + bench.postgresMs;
      console.log(
        `| ${s.name} | ${apiMs.toFixed(2)} | ${apiPgMs.toFixed(2)} | ${apiTotal.toFixed(2)} | ${Math.round(readBytes)} | ${Buffer.byteLength(body)} | ${bench.clientMs.toFixed(2)} | ${bench.postgresMs.toFixed(2)} | ${benchTotal.toFixed(2)} | ${((benchTotal / apiTotal) * 100).toFixed(0)}% |`,
      );
    }
  } finally {
    await server.stop();
    await db.end();
  }
  console.log(
    `load average (1, 5, 15 min): ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${REQUESTS} requests, ${CONNECTIONS} connections`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
