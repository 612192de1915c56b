import type { IdentityDb } from '../db.js';
import { SIGNAL_CODES, type SignalCode } from './signals.js';

export const ALERT_CHANNELS = ['email', 'live'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];
export const STEP_UP_MODES = ['risky', 'always'] as const;

export interface SecuritySettings {
  /** Signals that raise an alert when a sign-in scores at least `alertThreshold`. */
  alertSignals: SignalCode[];
  alertThreshold: number;
  channels: AlertChannel[];
  stepUp: (typeof STEP_UP_MODES)[number];
}

/** What a user has until they change it: every signal, a score from a new country up, told both ways (a new device alone is told as such). */
export const DEFAULT_SETTINGS: SecuritySettings = { alertSignals: [...SIGNAL_CODES], alertThreshold: 30, channels: ['email', 'live'], stepUp: 'risky' };

const isSignal = (code: string): code is SignalCode => (SIGNAL_CODES as readonly string[]).includes(code);
const isChannel = (channel: string): channel is AlertChannel => (ALERT_CHANNELS as readonly string[]).includes(channel);

export async function getSettings(db: IdentityDb, userId: string): Promise<SecuritySettings> {
  const row = await db
    .selectFrom('security_settings')
    .select(['step_up', 'alert_threshold', 'alert_signals', 'channels'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) return DEFAULT_SETTINGS;
  return {
    stepUp: row.step_up,
    alertThreshold: row.alert_threshold,
    alertSignals: row.alert_signals.filter(isSignal),
    channels: row.channels.filter(isChannel),
  };
}

export async function putSettings(db: IdentityDb, userId: string, settings: SecuritySettings, now: Date): Promise<void> {
  const values = {
    step_up: settings.stepUp,
    alert_threshold: settings.alertThreshold,
    alert_signals: settings.alertSignals,
    channels: settings.channels,
    updated_at: now,
  };
  await db
    .insertInto('security_settings')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}
