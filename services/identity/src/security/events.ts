import { newId } from '@expensio/common';
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
  | 'transaction.flagged';

export type Severity = 'info' | 'warning' | 'critical';

export interface SecurityEventInput {
  userId: string | null;
  type: SecurityEventType;
  severity: Severity;
  origin: RequestOrigin | null;
  details?: Record<string, unknown>;
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
      created_at: event.now,
    })
    .execute();
}
