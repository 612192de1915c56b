import { newId, type GeoLocation } from '@expensio/common';
import type { IdentityContext, RequestOrigin } from '../context.js';
import type { IdentityDb, IdentityTrx } from '../db.js';
import { securityAlertMail } from '../mail/templates.js';
import type { UserRow } from '../users/repo.js';
import { recordSecurityEvent, type SecurityEventInput, type SecurityEventType, type Severity } from './events.js';
import type { AlertChannel } from './settings.js';

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
    message: alert.message.length > 512 ? `${alert.message.slice(0, 511)}…` : alert.message,
    ip: alert.ip?.slice(0, 64) ?? null,
    details: alert.details ?? {},
  });
}

async function insertAlert(db: IdentityDb, userId: string, alert: Alert & { reasons?: readonly string[] | undefined }, now: Date): Promise<void> {
  await db
    .insertInto('security_alerts')
    .values({
      id: newId(),
      user_id: userId,
      type: alert.type,
      severity: alert.severity,
      message: alert.message.slice(0, 1024),
      ip: alert.ip?.slice(0, 64) ?? null,
      reasons: [...(alert.reasons ?? [])],
      created_at: now,
    })
    .execute();
}

/**
 * Records a security event the user must hear about (a hold, a lockout, a stolen refresh token, a
 * password change), keeps it among their alerts and tells them live, in one transaction, whatever
 * their alert settings: these are about the account itself, not about how a sign-in looked.
 */
export async function recordAndAlert(
  ctx: IdentityContext,
  trx: IdentityTrx,
  event: SecurityEventInput & { userId: string; message: string; details?: AlertDetails },
): Promise<void> {
  await recordSecurityEvent(trx, event);
  const alert = { ...event, ip: event.origin?.ip ?? null };
  await insertAlert(trx, event.userId, alert, event.now);
  await publishAlert(ctx, trx, event.userId, alert);
}

/**
 * An alert about how the account was used (a suspicious sign-in, a step-up, a new device, a second
 * factor changed): the event, the alert the user can acknowledge, and delivery on the channels
 * their settings name (`live` through `security.alert`, `email` by the mailer).
 */
export async function raiseAlert(
  ctx: IdentityContext,
  trx: IdentityTrx,
  user: Pick<UserRow, 'id' | 'email'>,
  alert: {
    type: SecurityEventType;
    severity: Severity;
    message: string;
    origin: RequestOrigin | null;
    location?: Pick<GeoLocation, 'country' | 'city'> | null;
    reasons?: readonly string[];
    channels: readonly AlertChannel[];
    details?: AlertDetails;
  },
): Promise<void> {
  const now = ctx.clock.now();
  await recordSecurityEvent(trx, {
    userId: user.id,
    type: alert.type,
    severity: alert.severity,
    origin: alert.origin,
    location: alert.location ?? null,
    reasons: alert.reasons ?? [],
    details: alert.details ?? {},
    now,
  });
  const stored = {
    type: alert.type,
    severity: alert.severity,
    message: alert.message,
    ip: alert.origin?.ip ?? null,
    details: { ...alert.details, reasons: (alert.reasons ?? []).join(',') },
    reasons: alert.reasons,
  };
  await insertAlert(trx, user.id, stored, now);
  if (alert.channels.includes('live')) await publishAlert(ctx, trx, user.id, stored);
  if (alert.channels.includes('email')) ctx.mail.enqueue(securityAlertMail(user.email, alert.message), `alert-${alert.type}`);
}
