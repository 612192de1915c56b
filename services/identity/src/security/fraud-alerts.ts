import type { EventPayload } from '@expensio/common';
import type { IdentityContext } from '../context.js';
import { transactionFlaggedMail } from '../mail/templates.js';
import { findUserById } from '../users/repo.js';
import { raiseAlert } from './alerts.js';
import { getSettings } from './settings.js';

/** The consumer finance's flags reach identity through (declared in the event catalog's SUBSCRIPTIONS). */
export const FRAUD_ALERT_CONSUMER = 'identity.fraud-alerts';

/** From this score on the alert is critical, below it a warning. */
export const CRITICAL_FROM = 90;

export function flaggedMessage(flag: EventPayload<'transaction.flagged'>): string {
  const what = `${flag.amount} ${flag.currency}${flag.merchant === null ? '' : ` at ${flag.merchant}`}`;
  const why = flag.reasons[0]?.message;
  return `Was this you? ${what} looks unlike your usual spending${why === undefined ? '' : `: ${why}`}`.slice(0, 512);
}

/**
 * Identity is where a user hears about their account's security: a flagged transaction becomes a
 * `security.alert` (live on their sockets, and for webhooks) and an email, as their alert settings
 * choose, recorded in their security log and alert list. The alert lands with the inbox record, once per event; the mail is queued last,
 * after every write of the handler.
 */
export function subscribeFraudAlerts(ctx: IdentityContext): void {
  ctx.bus.subscribe(FRAUD_ALERT_CONSUMER, ['transaction.flagged'], async (event, trx) => {
    if (event.userId === null) return;
    const user = await findUserById(trx, event.userId);
    if (user === undefined) return;
    const flag = event.payload;
    // Delivered as the user's alert settings say, like every other alert: live, by mail, or both.
    const { channels } = await getSettings(trx, user.id);
    await raiseAlert(ctx, trx, user, {
      type: 'transaction.flagged',
      severity: flag.score >= CRITICAL_FROM ? 'critical' : 'warning',
      origin: null,
      message: flaggedMessage(flag),
      reasons: flag.reasons.map((r) => r.code),
      // The mail below says more than the generic alert mail would.
      channels: channels.filter((channel) => channel === 'live'),
      details: { transactionId: flag.transactionId, score: flag.score, level: flag.level, amount: flag.amount, currency: flag.currency },
    });
    if (channels.includes('email')) ctx.mail.enqueue(transactionFlaggedMail(user.email, flag), 'transaction-flagged');
  });
}
