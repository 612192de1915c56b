import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const SEALED = 'sealed.v1.';

/** A 32-byte sealing key in config, written as 64 hex digits or as base64 (e.g. `openssl rand -hex 32`). */
export const sealingKey = z.string().transform((value, ctx) => {
  const text = value.trim();
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) {
    ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)' });
    return z.NEVER;
  }
  return key;
});

export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED);
}

/**
 * Seals a secret at rest with AES-256-GCM, bound to `owner` (the row's id) as additional data, so a
 * sealed value copied onto another row does not open.
 */
export function seal(secret: string, owner: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(owner));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `${SEALED}${[iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.')}`;
}

export class UnsealError extends Error {}

/** The secret `seal` sealed for this owner; UnsealError when it is unreadable, another owner's, or under another key. */
export function unseal(stored: string, owner: string, key: Buffer): string {
  const [iv, tag, sealed] = stored
    .slice(SEALED.length)
    .split('.')
    .map((part) => Buffer.from(part, 'base64url'));
  if (!isSealed(stored) || iv === undefined || tag === undefined || sealed === undefined) throw new UnsealError('the stored secret is unreadable');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(owner));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
  } catch {
    throw new UnsealError('the stored secret does not open with this key');
  }
}
