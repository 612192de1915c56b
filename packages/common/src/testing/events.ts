import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { AnyKysely } from '../db/connect.js';
import type { EventTables } from '../events/tables.js';

/**
 * Waits until every event in these outboxes has been delivered (a consumer that publishes in turn
 * adds rows, so it checks all of them again until none is pending), or fails after `timeoutMs`.
 * The default is generous on purpose: on a loaded 2-core machine a relay pass can take seconds,
 * and the wait ends as soon as the outboxes are empty anyway.
 */
export const SETTLE_TIMEOUT_MS = 25_000;

export async function settleEvents(outboxes: readonly AnyKysely[], timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let pending = 0;
    for (const db of outboxes) {
      const row = await (db as Kysely<EventTables>)
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('published_at', 'is', null)
        .executeTakeFirstOrThrow();
      pending += Number(row.n);
    }
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${String(pending)} events still pending after ${String(timeoutMs)} ms`);
    await sleep(10);
  }
}
