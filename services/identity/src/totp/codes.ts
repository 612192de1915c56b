import { createHash, randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** One step of clock drift either way. */
const TOLERANCE_S = TOTP_PERIOD_S;

/** A new base32 secret of 20 bytes (RFC 4226's recommended 160 bits). */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function otpauthUrl(secret: string, account: string): string {
  return generateURI({ issuer: 'Expensio', label: account, secret, algorithm: 'sha1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S });
}

/** The time step a code matches at `now` (within one step of drift), or null. */
export async function matchTotp(secret: string, token: string, now: Date): Promise<number | null> {
  if (!/^\d{6}$/.test(token)) return null;
  const epoch = Math.floor(now.getTime() / 1000);
  const result = await verify({ secret, token, epoch, epochTolerance: TOLERANCE_S, period: TOTP_PERIOD_S, digits: TOTP_DIGITS, algorithm: 'sha1' });
  return result.valid ? Math.floor(epoch / TOTP_PERIOD_S) + result.delta : null;
}

// No 0/o, 1/l/i: backup codes are typed from paper.
const BACKUP_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export const BACKUP_CODE_COUNT = 10;
export const BACKUP_CODE_RE = /^[a-z2-9]{5}-?[a-z2-9]{5}$/i;

/** `xxxxx-xxxxx`: about 49 bits each, single use, so a fast hash is enough to store them. */
export function newBackupCode(): string {
  const chars = Array.from({ length: 10 }, () => BACKUP_ALPHABET[randomInt(BACKUP_ALPHABET.length)] ?? 'a');
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** Bound to the user, and the same however the code is typed (case, dash). */
export function hashBackupCode(userId: string, code: string): string {
  return createHash('sha256')
    .update(`${userId}:${code.toLowerCase().replace('-', '')}`)
    .digest('hex');
}
