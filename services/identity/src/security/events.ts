import { newId, type GeoLocation } from '@expensio/common';
import { parseDevice } from './device.js';
import type { IdentityDb } from '../db.js';
import type { RequestOrigin } from '../context.js';

export type SecurityEventType =
  | 'user.registered'
  | 'login.succeeded'
  | 'login.failed'
  | 'login.rate_limited'
  | 'login.limit_reached'
  | 'login.account_held'
  | 'registration.rate_limited'
  | 'otp.requested'
  | 'otp.failed'
  | 'otp.locked'
  | 'refresh.reused'
  | 'password.changed'
  | 'password.reset'
  | 'session.ended'
  | 'account.locked'
  | 'account.unlocked'
  | 'role.changed'
  | 'account.deleted'
  | 'login.step_up_required'
  | 'login.step_up_failed'
  | 'login.step_up_passed'
  | 'login.suspicious'
  | 'login.new_device'
  | 'device.forgotten'
  | 'totp.enabled'
  | 'totp.disabled'
  | 'totp.backup_codes_replaced'
  | 'totp.backup_code_used'
  | 'transaction.flagged';

export type Severity = 'info' | 'warning' | 'critical';

export interface SecurityEventInput {
  userId: string | null;
  type: SecurityEventType;
  severity: Severity;
  origin: RequestOrigin | null;
  details?: Record<string, unknown>;
  /** Where the client IP is, when the caller located it (sign-ins do). */
  location?: Pick<GeoLocation, 'country' | 'city'> | null;
  /** Signal codes that made this event notable. */
  reasons?: readonly string[];
  now: Date;
}

export async function recordSecurityEvent(db: IdentityDb, event: SecurityEventInput): Promise<void> {
  await db
    .insertInto('security_events')
    .values({
      id: newId(),
      user_id: event.userId,
      type: event.type,
      severity: event.severity,
      ip: event.origin?.ip ?? null,
      user_agent: event.origin?.userAgent?.slice(0, 512) ?? null,
      details: JSON.stringify(event.details ?? {}),
      country: event.location?.country ?? null,
      city: event.location?.city ?? null,
      device: event.origin === null ? null : JSON.stringify(deviceOf(event.origin.userAgent)),
      reasons: [...(event.reasons ?? [])],
      created_at: event.now,
    })
    .execute();
}

function deviceOf(userAgent: string | null) {
  const { browser, os, type } = parseDevice(userAgent);
  return { browser, os, type };
}
