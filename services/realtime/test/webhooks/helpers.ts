import { createEventBus, forSchema, type EventEnvelope, type EventPayload, type EventTables, type EventType } from '@expensio/common';
import { buildTestApp, settleEvents, type TestApp } from '@expensio/common/testing';
import { realtimeService, runWebhookDeliveries, type DeliveryPass, type RealtimeContext, type WebhookSettings } from '../../src/index.js';
import { DEFAULT_WEBHOOK_SETTINGS } from '../../src/webhooks/config.js';

export interface TestRealtime extends TestApp {
  ctx: RealtimeContext;
  /** Publishes as another service would (finance's outbox, on the same transport), and commits. */
  publish<K extends EventType>(type: K, userId: string | null, payload: EventPayload<K>): Promise<EventEnvelope<K>>;
  /** One pass of the delivery worker: attempts whatever is due now. */
  deliver(): Promise<DeliveryPass>;
}

/** Fast retries measured on the manual clock, dev URL rules (loopback receivers), and a low disabling threshold. */
export const TEST_WEBHOOK_SETTINGS: WebhookSettings = {
  ...DEFAULT_WEBHOOK_SETTINGS,
  allowPrivateUrls: true,
  timeoutMs: 5_000,
  maxAttempts: 3,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  disableAfterFailures: 2,
};

/** Realtime's real app over this file's own database, with a producer bus beside it on the same transport. */
export async function createTestRealtime(): Promise<TestRealtime> {
  // Each app gets its own copy of the settings: tests change them on theirs.
  const t = await buildTestApp([realtimeService], { now: '2026-03-15T12:00:00.000Z', overrides: { webhooks: { ...TEST_WEBHOOK_SETTINGS } } });
  const ctx = t.context(realtimeService);
  const producerDb = forSchema<EventTables>(t.database, 'finance');
  const producer = createEventBus({
    db: producerDb,
    transport: t.transport,
    clock: t.clock,
    log: ctx.log,
    relay: { pollIntervalMs: 20, retryBaseMs: 10, retryMaxMs: 40 },
  });
  await producer.start();
  return {
    ...t,
    ctx,
    publish: (type, userId, payload) => producerDb.transaction().execute((trx) => producer.publish(trx, type, userId, payload)),
    settle: (timeoutMs) => settleEvents([producerDb, ctx.db], timeoutMs),
    deliver: () => runWebhookDeliveries(ctx),
    close: async () => {
      await producer.stop();
      await t.close();
    },
  };
}
