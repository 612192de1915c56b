import type { AnyKysely } from '../db/connect.js';
import { DAY_MS, type Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { startLoop } from '../process.js';
import { pruneEventTables } from './tables.js';

export interface PruningOptions {
  /** How long delivered outbox rows are kept (for inspection); default 7 days. */
  keepPublishedMs?: number;
  /** How long processed inbox rows are kept: longer than any redelivery can take. Default 14 days. */
  keepProcessedMs?: number;
  intervalMs?: number;
}

/**
 * Prunes a service's outbox and inbox on a timer, so they hold what is in flight and a window of
 * history instead of every event ever. Safe from several replicas (plain deletes by age).
 */
export function startEventPruning(db: AnyKysely, clock: Clock, log: Logger, options: PruningOptions = {}): () => void {
  const keepPublished = options.keepPublishedMs ?? 7 * DAY_MS;
  const keepProcessed = options.keepProcessedMs ?? 14 * DAY_MS;
  const prune = async () => {
    const now = clock.now().getTime();
    const removed = await pruneEventTables(db, { publishedBefore: new Date(now - keepPublished), processedBefore: new Date(now - keepProcessed) });
    if (removed.outbox + removed.inbox > 0) log.info(removed, 'pruned delivered and processed events');
  };
  const intervalMs = options.intervalMs ?? 3_600_000;
  const stop = startLoop(
    async () => {
      await prune();
      return intervalMs;
    },
    { retryMs: intervalMs, log, name: 'event pruning' },
  );
  return () => {
    void stop();
  };
}
