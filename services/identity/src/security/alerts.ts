import type { IdentityContext } from '../context.js';
import type { IdentityTrx } from '../db.js';
import { recordSecurityEvent, type SecurityEventInput, type SecurityEventType, type Severity } from './events.js';

/** What an alert may carry: scalars only, and never a secret (the event catalog refuses such keys). */
export type AlertDetails = Record<string, string | number | boolean | null>;

export interface Alert {
  type: SecurityEventType;
  severity: Severity;
  /** Written for the user who receives it. */
  message: string;
  ip: string | null;
  details?: AlertDetails;
}

/** Tells the user (`security.alert`) through the transaction of the change it is about. */
export async function publishAlert(ctx: IdentityContext, trx: IdentityTrx, userId: string, alert: Alert): Promise<void> {
  await ctx.bus.publish(trx, 'security.alert', userId, {
    alert: alert.type,
    severity: alert.severity,
    message: alert.message,
    ip: alert.ip,
    details: alert.details ?? {},
  });
}

/** Records a security event the user should hear about, and tells them, in one transaction. */
export async function recordAndAlert(
  ctx: IdentityContext,
  trx: IdentityTrx,
  event: SecurityEventInput & { userId: string; message: string; details?: AlertDetails },
): Promise<void> {
  await recordSecurityEvent(trx, event);
  await publishAlert(ctx, trx, event.userId, { ...event, ip: event.origin?.ip ?? null });
}
