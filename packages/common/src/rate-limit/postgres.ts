import { sql, type Kysely } from 'kysely';
import { decide } from './window.js';
import type { AttemptLimiter, LimitRule } from './types.js';

/** The table each service that limits attempts creates in its own schema (see its migrations). */
export interface AttemptLimitTable {
  attempt_limits: {
    key: string;
    hits: Date[];
    locked_until: Date | null;
    expires_at: Date;
  };
}

/** Counters in PostgreSQL: a row lock per key serialises replicas deciding on the same key. */
export function postgresAttemptLimiter<DB extends AttemptLimitTable>(database: Kysely<DB>): AttemptLimiter {
  // Safe narrowing: the service's database has at least this table.
  const db = database as unknown as Kysely<AttemptLimitTable>;
  async function run(key: string, rule: LimitRule, now: Date, count: boolean) {
    return db.transaction().execute(async (trx) => {
      await trx
        .insertInto('attempt_limits')
        .values({ key, hits: sql<Date[]>`'{}'::timestamptz[]`, locked_until: null, expires_at: now })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await trx.selectFrom('attempt_limits').select(['hits', 'locked_until']).where('key', '=', key).forUpdate().executeTakeFirstOrThrow();
      const { decision, next } = decide(
        { hits: row.hits.map((d) => new Date(d).getTime()), lockedUntil: row.locked_until ? new Date(row.locked_until).getTime() : null },
        rule,
        now.getTime(),
        count,
      );
      if (count) {
        const lastHit = next.hits.at(-1);
        const expires = Math.max(next.lockedUntil ?? 0, lastHit === undefined ? 0 : lastHit + rule.windowMs, now.getTime());
        await trx
          .updateTable('attempt_limits')
          .set({
            hits: sql<Date[]>`${next.hits.map((ms) => new Date(ms).toISOString())}::timestamptz[]`,
            locked_until: next.lockedUntil === null ? null : new Date(next.lockedUntil),
            expires_at: new Date(expires),
          })
          .where('key', '=', key)
          .execute();
      }
      return decision;
    });
  }

  return {
    consume: (key, rule, now) => run(key, rule, now, true),
    peek: (key, rule, now) => run(key, rule, now, false),
    reset: async (key) => {
      await db.deleteFrom('attempt_limits').where('key', '=', key).execute();
    },
    sweep: async (now) => {
      const result = await db.deleteFrom('attempt_limits').where('expires_at', '<', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
