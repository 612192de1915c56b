import { Redis } from 'ioredis';
import { migrateUp, openDatabase, startLoop, type Database, type Logger, type MigrationSet } from '@expensio/common';
import { ensureAdmin } from './admin/service.js';
import { createIdentityContext, sweepExpired } from './app.js';
import type { IdentityConfig } from './config.js';
import type { IdentityContext } from './context.js';
import { identityMigrations } from './migrations.js';

const SWEEP_INTERVAL_MS = 10 * 60_000;

/** What a running identity needs besides HTTP: migrations, the first admin, periodic clean-up. */
export async function startIdentity(ctx: IdentityContext, log: Logger): Promise<() => void> {
  if (ctx.config.ADMIN_EMAIL !== undefined) {
    const outcome = await ensureAdmin(ctx, ctx.config.ADMIN_EMAIL);
    if (outcome !== 'unchanged') log.warn({ outcome }, 'administrator from ADMIN_EMAIL; sign in with an emailed code');
  }
  const stop = startLoop(
    async () => {
      await sweepExpired(ctx);
      return SWEEP_INTERVAL_MS;
    },
    { retryMs: SWEEP_INTERVAL_MS, log, name: 'identity sweep' },
  );
  return () => { void stop(); };
}

export async function openInfrastructure(config: IdentityConfig, sets: MigrationSet[], log: Logger): Promise<{ database: Database; redis: Redis | undefined }> {
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: config.DATABASE_POOL_SIZE });
  log.info({ database: database.kind, dataDir: database.kind === 'pglite' ? config.DATA_DIR : undefined }, 'database opened');
  if (config.MIGRATE_ON_START) {
    for (const set of sets) {
      const applied = await migrateUp(database.kysely, set);
      if (applied.length > 0) log.info({ schema: set.schema, applied: applied.map((m) => m.version) }, 'migrations applied');
    }
  }
  const redis = config.REDIS_URL !== undefined ? new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 }) : undefined;
  return { database, redis };
}

export { createIdentityContext, identityMigrations };
