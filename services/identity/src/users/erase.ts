import type { IdentityTrx } from '../db.js';

/**
 * Removes every row identity holds for a user, in the caller's transaction: all of it or none.
 * Kept on purpose: denylist entries (keyed by token, they must outlive the user so the tokens stay
 * refused), attempt limits (keyed by address, gone with their window, so deleting an account never
 * resets a limit), and events not yet delivered, `user.deleted` among them.
 */
export async function eraseUserRows(trx: IdentityTrx, userId: string): Promise<void> {
  await trx
    .deleteFrom('refresh_tokens')
    .where('session_id', 'in', (eb) => eb.selectFrom('sessions').select('id').where('user_id', '=', userId))
    .execute();
  await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  await trx.deleteFrom('otp_challenges').where('user_id', '=', userId).execute();
  await trx.deleteFrom('personal_access_tokens').where('user_id', '=', userId).execute();
  await trx.deleteFrom('security_events').where('user_id', '=', userId).execute();
  for (const table of [
    'sign_ins',
    'known_devices',
    'security_alerts',
    'security_settings',
    'step_up_challenges',
    'totp_backup_codes',
    'totp_factors',
  ] as const) {
    await trx.deleteFrom(table).where('user_id', '=', userId).execute();
  }
  // Delivered events still hold the address and name until pruned; the consumers have them already.
  await trx.deleteFrom('outbox').where('user_id', '=', userId).where('published_at', 'is not', null).execute();
  await trx.deleteFrom('users').where('id', '=', userId).execute();
}
