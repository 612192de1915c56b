import type { Redis } from 'ioredis';
import { DEFAULT_REVOCATION_PREFIX, jtiKey, redisRevocationCheck, sidKey, type RevocationCheck } from '@expensio/common';
import type { IdentityDb } from '../db.js';

/** Denies access tokens before their expiry, by token id or by whole session. */
export interface RevocationStore {
  check: RevocationCheck;
  /**
   * In PostgreSQL mode the denial is written through `db` when given (the transaction of the change
   * that revokes), so it commits with it; Redis denies at once, which errs on the side of refusing.
   */
  deny(entries: { key: string; until: Date }[], now: Date, db?: IdentityDb): Promise<void>;
  sweep(now: Date): Promise<number>;
}

export { jtiKey, sidKey };

export function postgresRevocations(db: IdentityDb, now: () => Date): RevocationStore {
  return {
    check: async ({ jti, sid }) => {
      const row = await db
        .selectFrom('revoked_tokens')
        .select('key')
        .where('key', 'in', [jtiKey(jti), sidKey(sid)])
        .where('expires_at', '>', now())
        .executeTakeFirst();
      return row !== undefined;
    },
    deny: async (entries, _now, executor = db) => {
      if (entries.length === 0) return;
      await executor
        .insertInto('revoked_tokens')
        .values(entries.map((e) => ({ key: e.key, expires_at: e.until })))
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at') })))
        .execute();
    },
    sweep: async (at) => {
      const result = await db.deleteFrom('revoked_tokens').where('expires_at', '<=', at).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** With Redis every service checks the same denylist without reading identity's tables. */
export function redisRevocations(redis: Redis, prefix = DEFAULT_REVOCATION_PREFIX): RevocationStore {
  return {
    check: redisRevocationCheck(redis, prefix),
    deny: async (entries, now) => {
      if (entries.length === 0) return;
      const multi = redis.multi();
      for (const e of entries) {
        const ttl = Math.max(1, e.until.getTime() - now.getTime());
        multi.set(`${prefix}${e.key}`, '1', 'PX', ttl);
      }
      await multi.exec();
    },
    sweep: () => Promise.resolve(0),
  };
}
