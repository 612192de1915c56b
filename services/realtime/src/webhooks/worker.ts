import { backoffDelay, startLoop } from '@expensio/common';
import type { RealtimeContext } from '../context.js';
import { addFailure, claimDueDeliveries, recordAttempt, resetFailures, type AttemptOutcome, type ClaimedDelivery } from './repo.js';
import { openSecret } from './secrets.js';
import { sendWebhook, type SendResult } from './sender.js';
import { disableWebhook } from './service.js';
import { SIGNATURE_HEADER, signatureHeader } from './signing.js';

export interface DeliveryPass {
  /** Attempts made. */
  attempted: number;
  succeeded: number;
  /** Failed attempts that will be tried again. */
  retrying: number;
  /** Deliveries that used their last attempt. */
  failed: number;
}

/** Beyond the request's own timeout, so a live worker never loses its claim mid-request. */
const LEASE_MARGIN_MS = 30_000;

function headersFor(delivery: ClaimedDelivery, secret: string, timestamp: number): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'Expensio-Webhooks/1',
    [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, delivery.body),
    'Expensio-Event-Id': delivery.event_id,
    'Expensio-Event-Type': delivery.event_type,
    'Expensio-Delivery-Id': delivery.id,
    'Expensio-Delivery-Attempt': String(delivery.attempts + 1),
  };
}

async function attempt(ctx: RealtimeContext, delivery: ClaimedDelivery): Promise<SendResult> {
  const settings = ctx.webhooks;
  let secret: string;
  try {
    secret = openSecret(delivery.secret, delivery.endpoint_id, settings.secretKey);
  } catch (error) {
    return { ok: false, status: null, error: (error as Error).message };
  }
  // Signed at send time, each attempt afresh, so a retry is inside the receiver's replay window.
  const timestamp = Math.floor(ctx.clock.now().getTime() / 1_000);
  return sendWebhook({
    url: delivery.url,
    body: delivery.body,
    headers: headersFor(delivery, secret, timestamp),
    timeoutMs: settings.timeoutMs,
    allowPrivate: settings.allowPrivateUrls,
    lookup: settings.lookup,
  });
}

function outcomeOf(ctx: RealtimeContext, delivery: ClaimedDelivery, result: SendResult): AttemptOutcome {
  const { maxAttempts, retryBaseMs, retryMaxMs } = ctx.webhooks;
  const now = ctx.clock.now();
  const attempts = delivery.attempts + 1;
  if (result.ok) return { status: 'succeeded', attempts, responseStatus: result.status, error: null, nextAttemptAt: null, now };
  const base = { attempts, responseStatus: result.status, error: result.error.slice(0, 1_000), now };
  if (attempts >= maxAttempts) return { ...base, status: 'failed', nextAttemptAt: null };
  return { ...base, status: 'pending', nextAttemptAt: new Date(now.getTime() + backoffDelay(attempts, retryBaseMs, retryMaxMs)) };
}

/**
 * Records an attempt in one transaction with what it means for the endpoint: a success ends its
 * run of failures; a delivery that failed for good lengthens it, and a run long enough disables the
 * endpoint (publishing `webhook.disabled` in the same transaction).
 */
async function record(ctx: RealtimeContext, delivery: ClaimedDelivery, outcome: AttemptOutcome): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    // A claim that expired (another worker took over) or a delivery cancelled meanwhile: not ours to record.
    if (!(await recordAttempt(trx, { id: delivery.id, leaseUntil: delivery.locked_until, outcome }))) return;
    if (outcome.status === 'succeeded') {
      await resetFailures(trx, { id: delivery.endpoint_id });
    } else if (outcome.status === 'failed') {
      const failures = await addFailure(trx, { id: delivery.endpoint_id });
      if (failures !== undefined && failures >= ctx.webhooks.disableAfterFailures) {
        await disableWebhook(ctx, trx, { id: delivery.endpoint_id, reason: 'delivery_failures', failures });
      }
    }
  });
}

/**
 * Attempts every delivery that is due, `concurrency` at a time, until none is left. Safe beside
 * other workers (replicas): each claims its own rows.
 */
export async function runWebhookDeliveries(ctx: RealtimeContext, options: { shouldStop?: () => boolean } = {}): Promise<DeliveryPass> {
  const pass: DeliveryPass = { attempted: 0, succeeded: 0, retrying: 0, failed: 0 };
  const { concurrency, timeoutMs } = ctx.webhooks;
  for (;;) {
    const now = ctx.clock.now();
    const claimed = await claimDueDeliveries(ctx.db, { now, leaseUntil: new Date(now.getTime() + timeoutMs + LEASE_MARGIN_MS), limit: concurrency });
    await Promise.all(
      claimed.map(async (delivery) => {
        const result = await attempt(ctx, delivery);
        const outcome = outcomeOf(ctx, delivery, result);
        await record(ctx, delivery, outcome);
        ctx.metrics.webhookDeliveries.inc({ outcome: outcome.status === 'pending' ? 'retrying' : outcome.status });
        pass.attempted += 1;
        if (outcome.status === 'succeeded') pass.succeeded += 1;
        else if (outcome.status === 'failed') pass.failed += 1;
        else pass.retrying += 1;
        if (outcome.status !== 'succeeded') {
          const cause = result.ok ? undefined : result.cause;
          ctx.log.warn(
            { deliveryId: delivery.id, webhookId: delivery.endpoint_id, eventId: delivery.event_id, attempts: outcome.attempts, error: outcome.error, cause },
            'webhook delivery attempt failed',
          );
        }
      }),
    );
    if (claimed.length < concurrency || options.shouldStop?.() === true) return pass;
  }
}

/**
 * Runs the delivery worker: a pass now, then every `pollIntervalMs`. Returns a stop function that
 * lets the pass in hand finish. Deliveries are written by the `realtime.webhooks` consumer, so the
 * request that caused an event never waits for a receiver.
 */
export function startWebhookDelivery(
  ctx: RealtimeContext,
  options: { pollIntervalMs?: number; onPass?: (pass: DeliveryPass) => void } = {},
): () => Promise<void> {
  const intervalMs = options.pollIntervalMs ?? ctx.webhooks.pollIntervalMs;
  let stopped = false;
  const stop = startLoop(
    async () => {
      const pass = await runWebhookDeliveries(ctx, { shouldStop: () => stopped });
      options.onPass?.(pass);
      return intervalMs;
    },
    { retryMs: intervalMs, log: ctx.log, name: 'webhook delivery pass' },
  );
  return async () => {
    stopped = true;
    await stop();
  };
}
