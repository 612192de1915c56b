/**
 * Calibration for bench/run.ts (not a test): the least a Node HTTP route can do for each
 * scenario — Fastify and pg, no auth, no validation, no schema — so the API's figures can be read
 * against what this machine allows. It inserts for users no API scenario writes as (bench/users.ts).
 * Env: BENCH_DATABASE_URL, BENCH_POOL_SIZE. Prints `listening PORT`.
 */
import type { AddressInfo } from 'node:net';
import './counting.js';
import Fastify from 'fastify';
import pg from 'pg';
import { OTHER_WRITERS } from './users.js';

async function main() {
  const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: Number(process.env.BENCH_POOL_SIZE ?? 10) });
  const app = Fastify({ logger: false });
  app.post('/insert', async () => {
    const n = OTHER_WRITERS.first + Math.floor(Math.random() * (OTHER_WRITERS.last - OTHER_WRITERS.first + 1));
    const result = await pool.query<{ id: string }>(
      `insert into finance.transactions (id, user_id, account_id, type, amount, currency, category_id, description, merchant, occurred_at, tags, transfer_id, created_at, updated_at)
       select gen_random_uuid(), user_id, account_id, 'expense', 1234, 'USD', null, 'bare', null, now(), '{}', null, now(), now() from bench.users where n = $1 returning id`,
      [n],
    );
    return { id: result.rows[0]?.id };
  });
  app.get<{ Querystring: { uid: string } }>('/page', async (request) => {
    const result = await pool.query<Record<string, unknown>>(
      `select t.*, c.slug as category_slug from finance.transactions as t left join finance.categories as c on c.id = t.category_id
       where t.user_id = $1 order by t.occurred_at desc, t.id desc limit 51`,
      [request.query.uid],
    );
    return { items: result.rows.slice(0, 50).map((row) => ({ ...row, amount: String(row.amount) })), nextCursor: null };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening ${(app.server.address() as AddressInfo).port}`);
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
