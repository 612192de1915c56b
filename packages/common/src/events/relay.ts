import { SpanKind } from '@opentelemetry/api';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { AnyKysely } from '../db/connect.js';
import type { Logger } from '../logger.js';
import { safeErrorMessage } from '../logging/errors.js';
import type { EventEnvelope } from './envelope.js';
import type { EventType } from './catalog.js';
import type { EventTables } from './tables.js';
import type { EventTransport } from './transport.js';
import { backoffDelaySql } from '../backoff.js';
import { contextFrom, currentTraceContext, inSpan, type TraceCarrier } from '../tracing/context.js';
import { messagingAttributes } from '../tracing/messaging.js';

export interface RelayOptions {
  /** Rows claimed per pass. */
  batchSize?: number;
  /** How often an idle relay looks for rows it was not told about (other processes' commits, retries that came due). */
  pollIntervalMs?: number;
  /** How long a claim lasts: a relay that died mid-batch gives its rows up after this. Keep it above the transport's confirm timeout. */
  leaseMs?: number;
  /** Back-off after a failed delivery: base × 2^(attempts − 1), ±20% jitter, capped. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * Under a steady stream of publishes, how long the relay lets rows gather before its next pass:
   * each pass costs two statements (claim, mark), so passing once per publish would double the
   * database's commits. An idle relay woken by a publish still passes at once.
   */
  coalesceMs?: number;
  log?: Logger | undefined;
}

interface ClaimedRow {
  id: string;
  type: string;
  version: number;
  user_id: string | null;
  occurred_at: Date;
  payload: unknown;
  attempts: number;
  trace_context: unknown;
}

const msInterval = (ms: number | RawBuilder<number>) => sql`make_interval(secs => ${ms}::double precision / 1000)`;

/**
 * Moves committed outbox rows to the transport. Rows are claimed with FOR UPDATE SKIP LOCKED and a
 * lease, then published outside any transaction (so a slow broker or handler never holds a
 * database connection or lock), and marked published only once the transport confirms. Several
 * relays over one outbox split the rows between them; a relay that dies mid-batch leaves its
 * claim to expire, and the rows go out again (consumers' inboxes absorb the duplicate).
 */
export class OutboxRelay {
  readonly #db: Kysely<EventTables>;
  readonly #transport: EventTransport;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #coalesceMs: number;
  readonly #log: Logger | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;
  #wakeUp: (() => void) | undefined;
  #woken = false;
  #followUp: NodeJS.Timeout | undefined;

  constructor(db: AnyKysely, transport: EventTransport, options: RelayOptions = {}) {
    this.#db = db as Kysely<EventTables>;
    this.#transport = transport;
    this.#batchSize = options.batchSize ?? 100;
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#retryBaseMs = options.retryBaseMs ?? 500;
    this.#retryMaxMs = options.retryMaxMs ?? 30_000;
    this.#coalesceMs = options.coalesceMs ?? 10;
    this.#log = options.log;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Runs passes until stopped, starting once the transport is open. */
  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#running = this.#loop();
  }

  /** Stops after the pass in hand (its rows are confirmed or released). */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#followUp);
    this.#wakeUp?.();
    await this.#running;
    this.#running = undefined;
  }

  /**
   * Asks for a pass now and, unless the rows are `committed` already, once more shortly after: a
   * publisher's transaction is usually still open when it calls this, and its row becomes visible
   * only at commit.
   */
  wake(committed = false): void {
    this.#woken = true;
    this.#wakeUp?.();
    if (!committed && this.#followUp === undefined && !this.#stopping) {
      this.#followUp = setTimeout(() => {
        this.#followUp = undefined;
        this.#woken = true;
        this.#wakeUp?.();
      }, 25);
      this.#followUp.unref();
    }
  }

  // Read through methods: stop() and wake() change these while a pass awaits.
  #shouldStop(): boolean {
    return this.#stopping;
  }

  #wasWoken(): boolean {
    return this.#woken;
  }

  async #loop(): Promise<void> {
    await Promise.race([
      this.#transport.whenOpen(),
      new Promise<void>((resolve) => {
        this.#wakeUp = () => {
          if (this.#stopping) resolve();
        };
      }),
    ]);
    while (!this.#stopping) {
      this.#woken = false;
      try {
        await this.drain();
      } catch (error) {
        // The database itself failed (restart, failover): try again on the next poll.
        this.#log?.error({ err: error }, 'outbox relay pass failed');
      }
      if (this.#shouldStop()) break;
      // A wake during the coalescing pause is the point of it: it lets the rest of a burst commit.
      if (this.#wasWoken()) await this.#pause(this.#coalesceMs, false);
      else await this.#pause(this.#pollIntervalMs, true);
    }
  }

  /** Waits `ms`; stop() always ends the wait (a timer it could not end once hung a test's teardown). */
  async #pause(ms: number, endsOnWake: boolean): Promise<void> {
    if (ms <= 0 || this.#stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wakeUp = () => {
        if (!endsOnWake && !this.#stopping) return;
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wakeUp = undefined;
  }

  /** Publishes every row that is due, batch after batch; returns how many were confirmed. */
  async drain(): Promise<number> {
    let published = 0;
    for (;;) {
      const rows = await this.#claim();
      if (rows.length === 0) return published;
      published += await this.#deliver(rows);
      if (rows.length < this.#batchSize || this.#stopping) return published;
    }
  }

  async #claim(): Promise<ClaimedRow[]> {
    const db = this.#db;
    const rows = await db
      .updateTable('outbox')
      .set({ locked_until: sql<Date>`now() + ${msInterval(this.#leaseMs)}` })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('outbox')
          .select('id')
          .where('published_at', 'is', null)
          .where('available_at', '<=', sql<Date>`now()`)
          .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<', sql<Date>`now()`)]))
          .orderBy('id')
          .limit(this.#batchSize)
          .forUpdate()
          .skipLocked(),
      )
      .returning(['id', 'type', 'version', 'user_id', 'occurred_at', 'payload', 'attempts', 'trace_context'])
      .execute();
    // UPDATE … RETURNING has no order of its own.
    return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** One row to the transport, in a send span under the publisher's trace, which it passes on. */
  #send(row: ClaimedRow): Promise<void> {
    const stored = envelopeOf(row);
    const { traceContext, ...untraced } = stored;
    const attributes = { ...messagingAttributes(this.#transport, stored, 'send'), 'expensio.delivery.attempt': row.attempts + 1 };
    return inSpan(`send ${stored.type}`, { kind: SpanKind.PRODUCER, attributes }, contextFrom(traceContext), async () => {
      const current = currentTraceContext();
      await this.#transport.publish(current ? { ...untraced, traceContext: current } : untraced, row.attempts + 1);
    });
  }

  async #deliver(rows: ClaimedRow[]): Promise<number> {
    const results = await Promise.allSettled(rows.map((row) => this.#send(row)));
    const done: string[] = [];
    const failed = new Map<string, string[]>();
    results.forEach((result, index) => {
      const row = rows[index];
      if (!row) return;
      if (result.status === 'fulfilled') {
        done.push(row.id);
      } else {
        const message = safeErrorMessage(result.reason).slice(0, 2_000);
        failed.set(message, [...(failed.get(message) ?? []), row.id]);
      }
    });
    if (done.length > 0) {
      await this.#db
        .updateTable('outbox')
        .set((eb) => ({ published_at: sql<Date>`now()`, locked_until: null, attempts: eb('attempts', '+', 1), last_error: null }))
        .where('id', 'in', done)
        .execute();
    }
    for (const [message, ids] of failed) {
      this.#log?.warn({ events: ids.length, error: message }, 'outbox delivery failed; retrying with back-off');
      // This failure is attempt `attempts + 1`, so the first one waits retryBaseMs.
      const delay = backoffDelaySql(sql<number>`attempts + 1`, this.#retryBaseMs, this.#retryMaxMs);
      await this.#db
        .updateTable('outbox')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          last_error: message,
          locked_until: null,
          available_at: sql<Date>`now() + ${msInterval(delay)}`,
        }))
        .where('id', 'in', ids)
        .execute();
    }
    return done.length;
  }
}

function envelopeOf(row: ClaimedRow): EventEnvelope {
  return {
    id: row.id,
    // Not checked here: a row the consumer cannot read is its to dead-letter, not the relay's to drop.
    type: row.type as EventType,
    version: row.version,
    occurredAt: new Date(row.occurred_at).toISOString(),
    userId: row.user_id,
    payload: row.payload as EventEnvelope['payload'],
    ...(isTraceCarrier(row.trace_context) && { traceContext: row.trace_context }),
  };
}

function isTraceCarrier(value: unknown): value is TraceCarrier {
  return typeof value === 'object' && value !== null && typeof (value as { traceparent?: unknown }).traceparent === 'string';
}
