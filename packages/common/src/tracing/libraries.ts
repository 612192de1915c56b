import { createRequire } from 'node:module';
import path from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';

const require = createRequire(import.meta.url);

/**
 * OpenTelemetry's own instrumentations for the libraries Expensio talks to its stores through:
 * a span per PostgreSQL query and pool checkout, per RabbitMQ publish and delivery, per Redis
 * command. Loaded only when tracing is on (ADR 0025).
 */
export async function libraryInstrumentations(): Promise<Instrumentation[]> {
  const [{ PgInstrumentation }, { AmqplibInstrumentation }, { IORedisInstrumentation }] = await Promise.all([
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-amqplib'),
    import('@opentelemetry/instrumentation-ioredis'),
  ]);
  return [
    // The statement text only, as Kysely compiled it ($1, $2…): never the parameter values
    // (`enhancedDatabaseReporting` would add them). Queries outside any span (the outbox relay's
    // and the scheduler's polling) would each start a trace of one span: left out.
    new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
    new AmqplibInstrumentation(),
    // The command name alone: the default serialiser keeps the first argument, and Expensio's
    // keys hold user ids, token ids and client addresses.
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
  ];
}

/**
 * The instrumentations patch a library when it is `require`d after they were enabled. Expensio's
 * ES modules import pg, ioredis and amqplib before the SDK starts (in the build, under tsx and in
 * tests alike), and an ES `import` of a CommonJS package does not go through `require` at all.
 * So each is required once more here: require-in-the-middle patches a module that is already
 * loaded on the first `require` it sees, and the patches go on prototypes (pg's `Client`,
 * pg-pool's `Pool`, ioredis' `Redis`, amqplib's `Channel`), which every importer shares.
 * amqplib's patches target its internal files, which its `exports` map hides: they are required
 * by path.
 */
export function patchLoadedLibraries(): void {
  const pg = require.resolve('pg');
  require(pg);
  createRequire(pg)('pg-pool');
  require('ioredis');
  const amqplib = path.dirname(require.resolve('amqplib'));
  for (const file of ['lib/connect.js', 'lib/channel_model.js', 'lib/callback_model.js']) require(path.join(amqplib, file));
}
