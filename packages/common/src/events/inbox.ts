import type { Kysely, Transaction } from 'kysely';
import type { AnyEventEnvelope } from './envelope.js';
import type { EventTables } from './tables.js';

/**
 * Runs `effect` and records the event in the consumer's inbox in one transaction. A second
 * delivery of the same event finds the row and does nothing; if the effect throws, the row goes
 * with it and a later delivery tries again. Concurrent deliveries of one event serialise on the
 * row's primary key: the second waits for the first to commit, then sees a duplicate.
 */
export async function consumeOnce<DB>(
  db: Kysely<DB>,
  consumer: string,
  envelope: AnyEventEnvelope,
  effect: (trx: Transaction<DB>) => Promise<void>,
): Promise<'processed' | 'duplicate'> {
  return db.transaction().execute(async (trx) => {
    const inbox = trx as unknown as Transaction<EventTables>;
    const claimed = await inbox
      .insertInto('inbox')
      .values({ consumer, event_id: envelope.id, event_type: envelope.type, status: 'processed' })
      .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
      .returning('event_id')
      .executeTakeFirst();
    if (claimed === undefined) return 'duplicate';
    await effect(trx);
    return 'processed';
  });
}

/** Keeps an event the in-process transport gave up on, with its error, for inspection and replay. */
export async function recordDeadLetter(
  db: Kysely<EventTables>,
  params: { consumer: string; eventId: string; eventType: string; error: string; envelope: unknown },
): Promise<void> {
  await db
    .insertInto('inbox')
    .values({
      consumer: params.consumer,
      event_id: params.eventId,
      event_type: params.eventType,
      status: 'dead_lettered',
      error: params.error.slice(0, 2_000),
      envelope: JSON.stringify(params.envelope),
    })
    .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
    .execute();
}
