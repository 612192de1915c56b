import { Gauge } from 'prom-client';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { AnyKysely, Database } from '../db/connect.js';
import type { EventTables } from '../events/tables.js';
import type { Logger } from '../logger.js';
import type { Metrics } from './registry.js';

/** One statement per service, on the partial index of pending rows: cheap while the backlog is small, as it should be. */
async function outboxState(db: AnyKysely, now: Date): Promise<{ backlog: number; age: number }> {
  const row = await (db as Kysely<EventTables>)
    .selectFrom('outbox')
    .select([
      sql<number>`count(*)::int`.as('backlog'),
      sql<number>`greatest(0, extract(epoch from (${now}::timestamptz - min(occurred_at))))::float8`.as('age'),
    ])
    .where('published_at', 'is', null)
    .executeTakeFirst();
  return { backlog: row?.backlog ?? 0, age: row?.age ?? 0 };
}

/**
 * Gauges read on scrape: the database pool (size, in use, waiting) and each service's outbox
 * (unsent rows and the age of the oldest). A scrape that cannot reach the database leaves the
 * outbox series out rather than failing: the pool series and `/ready` still tell the story.
 */
export function watchState(
  metrics: Metrics,
  options: { database: Database; outboxes: readonly { service: string; db: AnyKysely }[]; clock: Clock; log: Logger },
): void {
  const { database, outboxes, clock, log } = options;
  const registers = [metrics.registry];
  const pool = () => database.poolStats();
  new Gauge({
    name: 'expensio_db_pool_size',
    help: 'Connections the database pool holds (PGlite: its one connection)',
    registers,
    collect() {
      this.set(pool().size);
    },
  });
  new Gauge({
    name: 'expensio_db_pool_in_use',
    help: 'Pool connections checked out',
    registers,
    collect() {
      this.set(pool().inUse);
    },
  });
  new Gauge({
    name: 'expensio_db_pool_waiting',
    help: 'Queries or transactions waiting for a connection',
    registers,
    collect() {
      this.set(pool().waiting);
    },
  });

  // A scrape reads both gauges at once: they share one pass over the outboxes, not one each.
  let reading: Promise<Map<string, { backlog: number; age: number }>> | undefined;
  const read = () => {
    reading ??= readOutboxes().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  async function readOutboxes() {
    const now = clock.now();
    const states = new Map<string, { backlog: number; age: number }>();
    for (const { service, db } of outboxes) {
      try {
        states.set(service, await outboxState(db, now));
      } catch (error) {
        log.warn({ err: error, service }, 'metrics: the outbox could not be read');
      }
    }
    return states;
  }
  new Gauge({
    name: 'expensio_outbox_backlog',
    help: 'Outbox rows not yet delivered to the transport',
    labelNames: ['service'],
    registers,
    async collect() {
      this.reset();
      for (const [service, state] of await read()) this.set({ service }, state.backlog);
    },
  });
  new Gauge({
    name: 'expensio_outbox_oldest_age_seconds',
    help: 'Age of the oldest undelivered outbox row (0 when none)',
    labelNames: ['service'],
    registers,
    async collect() {
      this.reset();
      for (const [service, state] of await read()) this.set({ service }, state.age);
    },
  });
}
