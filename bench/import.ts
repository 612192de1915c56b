/**
 * CSV import throughput and memory, on PGlite and on PostgreSQL (not a test).
 *
 *   node --import tsx bench/import.ts [--db pglite|postgres|both] [--sizes 10000,100000,300000]
 *
 * For each size: a fresh user imports a generated file of that many rows over HTTP (text/csv,
 * streamed from disk to 127.0.0.1), then the largest file is sent again (every row a duplicate)
 * and once more as multipart/form-data into another fresh user. Peak RSS is sampled every 25 ms;
 * the server, the database (PGlite runs in-process) and the client share this process.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { openPglite, openPostgres, type Database } from '@expensio/common';
import { buildBenchApp, databaseUrl, mb, migrateAll, migrateUrl, mintToken, newSigningKey, recreateDatabase, rssSampler } from './lib.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '');
const which = args.get('db') ?? 'both';
const sizes = (args.get('sizes') ?? '10000,100000').split(',').map(Number);

const CATEGORIES = ['groceries', 'dining', 'rent', 'utilities', 'transport', 'fuel', 'health', 'entertainment', 'shopping', 'travel', 'subscriptions', ''];
const MERCHANTS = ['Corner Shop', 'Fresh Market', 'City Transit', 'Cinema Palace', 'Online Store', 'Pharmacy', ''];

/** A deterministic file: two years of rows, 1 in 10 income, every description distinct. */
async function csvFile(rows: number): Promise<string> {
  const dir = path.join(os.tmpdir(), 'expensio-bench');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `import-${rows}.csv`);
  if (existsSync(file)) return file;
  const out = createWriteStream(file);
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const start = Date.UTC(2024, 10, 1);
  out.write('date,amount,description,category,merchant,tags,currency\n');
  for (let i = 0; i < rows; i++) {
    const at = new Date(start + Math.floor(next() * 730 * 86_400_000)).toISOString();
    const income = next() < 0.1;
    const cents = 100 + Math.floor(next() * (income ? 500_000 : 20_000));
    const amount = `${income ? '' : '-'}${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const category = income ? 'salary' : (CATEGORIES[Math.floor(next() * CATEGORIES.length)] ?? '');
    const merchant = MERCHANTS[Math.floor(next() * MERCHANTS.length)] ?? '';
    const tags = next() < 0.2 ? 'bench;import' : '';
    const line = `${next() < 0.5 ? at.slice(0, 10) : at},${amount},Purchase ${i},${category},${merchant},${tags},USD\n`;
    if (!out.write(line))
      await new Promise((resolve) =>
        out.once('drain', () => {
          resolve(undefined);
        }),
      );
  }
  out.end();
  await finished(out);
  return file;
}

interface Upload {
  status: number;
  body: string;
  ms: number;
}

function post(port: number, token: string, body: Readable, headers: Record<string, string | number>): Promise<Upload> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/api/transactions/import', headers: { authorization: `Bearer ${token}`, ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    body.pipe(request);
  });
}

function uploadCsv(port: number, token: string, file: string) {
  return post(port, token, createReadStream(file, { highWaterMark: 256 * 1024 }), { 'content-type': 'text/csv', 'content-length': statSync(file).size });
}

function uploadMultipart(port: number, token: string, file: string) {
  const boundary = `bench-${randomUUID()}`;
  const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="bench.csv"\r\ncontent-type: text/csv\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts() {
    yield head;
    yield* createReadStream(file, { highWaterMark: 256 * 1024 });
    yield tail;
  }
  return post(port, token, Readable.from(parts()), {
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'content-length': head.length + statSync(file).size + tail.length,
  });
}

interface Result {
  db: string;
  run: string;
  rows: number;
  fileMb: string;
  seconds: string;
  rowsPerSecond: number;
  created: number;
  duplicates: number;
  rejected: number;
  rssBefore: string;
  rssPeak: string;
  rssAfter: string;
}

async function measure(db: string, run: string, rows: number, file: string, upload: () => Promise<Upload>): Promise<Result> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  const sampler = rssSampler();
  const result = await upload();
  const peak = sampler.stop();
  if (result.status !== 200) throw new Error(`${run}: HTTP ${result.status} ${result.body.slice(0, 500)}`);
  const report = JSON.parse(result.body) as { created: number; duplicates: number; rejected: number };
  return {
    db,
    run,
    rows,
    fileMb: (statSync(file).size / 1024 / 1024).toFixed(1),
    seconds: (result.ms / 1000).toFixed(2),
    rowsPerSecond: Math.round(rows / (result.ms / 1000)),
    created: report.created,
    duplicates: report.duplicates,
    rejected: report.rejected,
    rssBefore: mb(before),
    rssPeak: mb(peak),
    rssAfter: mb(process.memoryUsage().rss),
  };
}

async function openDb(kind: 'pglite' | 'postgres'): Promise<{ database: Database; cleanup: () => void }> {
  if (kind === 'pglite') {
    // On disk, so the table's growth is not counted as the import's memory.
    const dir = path.join(os.tmpdir(), `expensio-bench-pglite-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    const database = await openPglite({ dataDir: dir });
    await migrateAll(database.kysely);
    return {
      database,
      cleanup: () => {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = 'expensio_bench_import';
  await recreateDatabase(name);
  await migrateUrl(databaseUrl(name));
  return { database: openPostgres(databaseUrl(name), 10), cleanup: () => undefined };
}

async function benchOne(kind: 'pglite' | 'postgres'): Promise<Result[]> {
  const files = new Map<number, string>();
  for (const size of sizes) files.set(size, await csvFile(size));
  const { database, cleanup } = await openDb(kind);
  const key = await newSigningKey();
  const { app, stopEvents } = await buildBenchApp(database, { publicJwk: key.publicJwk });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const results: Result[] = [];
  try {
    for (const size of sizes) {
      const file = files.get(size) ?? '';
      const token = await mintToken(key, randomUUID());
      results.push(await measure(kind, 'text/csv, new rows', size, file, () => uploadCsv(port, token, file)));
      if (size === Math.max(...sizes)) {
        results.push(await measure(kind, 'text/csv, same file again', size, file, () => uploadCsv(port, token, file)));
        const other = await mintToken(key, randomUUID());
        results.push(await measure(kind, 'multipart, new rows', size, file, () => uploadMultipart(port, other, file)));
      }
      console.error(JSON.stringify(results.at(-1)));
    }
  } finally {
    await app.close();
    await stopEvents();
    await database.close();
    cleanup();
  }
  return results;
}

async function main() {
  const kinds: ('pglite' | 'postgres')[] = which === 'both' ? ['pglite', 'postgres'] : [which === 'pglite' ? 'pglite' : 'postgres'];
  const results: Result[] = [];
  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  for (const kind of kinds) results.push(...(await benchOne(kind)));
  console.log(
    `Node ${process.version}, ${os.availableParallelism()} cores; load average (1, 5, 15 min) before: ${loadBefore}; after: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log('| database | run | rows | file | seconds | rows/s | created | duplicates | rejected | RSS before | RSS peak | RSS after |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.db} | ${r.run} | ${r.rows} | ${r.fileMb} MB | ${r.seconds} | ${r.rowsPerSecond} | ${r.created} | ${r.duplicates} | ${r.rejected} | ${r.rssBefore} | ${r.rssPeak} | ${r.rssAfter} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
