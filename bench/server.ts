/**
 * The finance API over the benchmark database, on 127.0.0.1, for bench/run.ts (not a test).
 * Env: BENCH_DATABASE_URL, BENCH_PUBLIC_JWK (the key bench/run.ts signs tokens with),
 * BENCH_POOL_SIZE (default 10), BENCH_SCORING=off (creates not scored, to measure what scoring costs). Prints `listening PORT` once ready; stops on SIGTERM.
 * Answers the IPC messages `count` (bench/counting.ts) and `relay on` / `relay off` (its outbox relay).
 */
import type { AddressInfo } from 'node:net';
import './counting.js';
import type { JWK } from 'jose';
import { openPostgres } from '@expensio/common';
import { buildBenchApp } from './lib.js';

async function main() {
  const url = process.env.BENCH_DATABASE_URL;
  const jwk = process.env.BENCH_PUBLIC_JWK;
  if (url === undefined || jwk === undefined) throw new Error('BENCH_DATABASE_URL and BENCH_PUBLIC_JWK are required');
  const database = openPostgres(url, Number(process.env.BENCH_POOL_SIZE ?? 10));
  const { app, ctx, stopEvents } = await buildBenchApp(database, {
    publicJwk: JSON.parse(jwk) as JWK,
    logLevel: 'warn',
    scoring: process.env.BENCH_SCORING !== 'off',
  });
  // bench/run.ts runs only the measured server's relay (spawn-server.ts says why).
  process.on('message', (message) => {
    if (message !== 'relay on' && message !== 'relay off') return;
    const on = message === 'relay on';
    void (on ? Promise.resolve(ctx.bus.relay?.start()) : (ctx.bus.relay?.stop() ?? Promise.resolve())).then(() => process.send?.({ relay: on }));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`listening ${(app.server.address() as AddressInfo).port}`);
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(stopEvents)
      .then(() => database.close())
      .then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
