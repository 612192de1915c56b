import { z } from 'zod';
import { SIGNAL_CODES } from './signals.js';
import { ALERT_CHANNELS, STEP_UP_MODES } from './settings.js';

const instant = z.iso.datetime({ offset: true });
const limit = z.coerce.number().int().min(1).max(200).default(50);
const cursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be nextCursor from the previous page')
  .optional()
  .describe('nextCursor from the previous page');
const asIso = (date: Date) => date.toISOString();

export const eventsQuery = z.strictObject({
  type: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)*$/, 'must be an event type such as login.failed')
    .max(64)
    .optional(),
  severity: z.enum(['info', 'warning', 'critical']).optional(),
  from: instant.optional().describe('Events at or after this moment'),
  to: instant.optional().describe('Events before this moment'),
  cursor,
  limit,
  userId: z.uuid().optional().describe("Administrators: another user's events"),
  all: z.enum(['true', 'false']).optional().describe("Administrators: every user's events"),
});

export const alertsQuery = z.strictObject({
  open: z.enum(['true', 'false']).optional().describe('true: only alerts not yet acknowledged; false: only acknowledged ones'),
  cursor,
  limit,
  userId: z.uuid().optional().describe("Administrators: another user's alerts"),
  all: z.enum(['true', 'false']).optional().describe("Administrators: every user's alerts"),
});

export const idParams = z.object({ id: z.uuid({ message: 'must be an id (UUID)' }) });

const device = z.object({ browser: z.string().nullable(), os: z.string().nullable(), type: z.string().nullable() });
const place = { country: z.string().nullable().describe('ISO 3166-1 alpha-2'), city: z.string().nullable() };

export const eventSchema = z.object({
  id: z.uuid(),
  userId: z.uuid().nullable(),
  at: instant,
  type: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  ip: z.string().nullable(),
  location: z.object(place).nullable(),
  device: device.nullable(),
  reasons: z.array(z.string()),
});

export function toEventView(row: {
  id: string;
  user_id: string | null;
  created_at: Date;
  type: string;
  severity: 'info' | 'warning' | 'critical';
  ip: string | null;
  country: string | null;
  city: string | null;
  device: { browser: string | null; os: string | null; type: string | null } | null;
  reasons: string[];
}): z.infer<typeof eventSchema> {
  return {
    id: row.id,
    userId: row.user_id,
    at: asIso(row.created_at),
    type: row.type,
    severity: row.severity,
    ip: row.ip,
    location: row.country === null ? null : { country: row.country, city: row.city },
    device: row.device,
    reasons: row.reasons,
  };
}

export const alertSchema = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  at: instant,
  type: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  message: z.string(),
  ip: z.string().nullable(),
  reasons: z.array(z.string()),
  acknowledgedAt: instant.nullable(),
});

export function toAlertView(row: {
  id: string;
  user_id: string;
  created_at: Date;
  type: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  ip: string | null;
  reasons: string[];
  acknowledged_at: Date | null;
}): z.infer<typeof alertSchema> {
  return {
    id: row.id,
    userId: row.user_id,
    at: asIso(row.created_at),
    type: row.type,
    severity: row.severity,
    message: row.message,
    ip: row.ip,
    reasons: row.reasons,
    acknowledgedAt: row.acknowledged_at === null ? null : asIso(row.acknowledged_at),
  };
}

export const deviceSchema = device.extend({ id: z.uuid(), firstSeenAt: instant, lastSeenAt: instant });
export const locationSchema = z.object({ ...place, firstSignInAt: instant, lastSignInAt: instant, signIns: z.number().int() });

export const signInSchema = z.object({
  id: z.uuid(),
  at: instant,
  method: z.string(),
  outcome: z.enum(['success', 'failure', 'step_up_required']),
  ip: z.string().nullable(),
  location: z.object(place).nullable(),
  device: device.nullable(),
  riskScore: z.number().int(),
  reasons: z.array(z.string()),
});

export const summarySchema = z.object({
  riskScore: z.number().int().min(0).max(100).describe('The last 30 days: the riskiest sign-in, or a stolen refresh token, hold or code lockout when higher'),
  level: z.enum(['low', 'medium', 'high']),
  reasons: z.array(z.string()),
  openAlerts: z.number().int(),
  recentAnomalies: z.number().int().describe('Sign-in attempts with at least one signal in the last 30 days'),
  lastSignIns: z.array(signInSchema).max(5),
  devices: z.number().int().describe('Known devices (GET /api/security/devices)'),
  locations: z.number().int().describe('Places signed in from (GET /api/security/locations)'),
  secondFactor: z.object({ totp: z.boolean(), backupCodesLeft: z.number().int() }),
});

export const settingsSchema = z.object({
  alertSignals: z.array(z.enum(SIGNAL_CODES)).describe('Signals that raise an alert when a sign-in scores at least alertThreshold'),
  alertThreshold: z.number().int().min(0).max(100),
  channels: z.array(z.enum(ALERT_CHANNELS)).describe('How alerts reach you: email, and live (Socket.IO, webhooks)'),
  stepUp: z.enum(STEP_UP_MODES).describe('risky: a second step only for risky sign-ins; always: for every password sign-in'),
});

export const settingsBody = z.strictObject({
  alertSignals: z.array(z.enum(SIGNAL_CODES)).max(SIGNAL_CODES.length),
  alertThreshold: z.number().int().min(0).max(100),
  channels: z.array(z.enum(ALERT_CHANNELS)).max(ALERT_CHANNELS.length),
  stepUp: z.enum(STEP_UP_MODES),
});

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
