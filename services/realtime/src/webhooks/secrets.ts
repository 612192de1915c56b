import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
const SEALED = 'sealed.v1.';

/** A new signing secret: 32 random bytes, shown to the owner once. */
export function newSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * What is stored for a secret. With a key (WEBHOOK_SECRET_KEY) it is sealed with AES-256-GCM,
 * bound to its endpoint's id so a sealed value copied onto another row does not open; without
 * one it is stored as it is (the worker must be able to sign, so it cannot be a one-way hash).
 */
export function sealSecret(secret: string, endpointId: string, key: Buffer | undefined): string {
  if (key === undefined) return secret;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(endpointId));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `${SEALED}${[iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.')}`;
}

/** The secret to sign with; throws when it is sealed and the key is missing or another one. */
export function openSecret(stored: string, endpointId: string, key: Buffer | undefined): string {
  if (!stored.startsWith(SEALED)) return stored;
  if (key === undefined) throw new Error('the endpoint secret is sealed but WEBHOOK_SECRET_KEY is not set');
  const [iv, tag, sealed] = stored.slice(SEALED.length).split('.').map((part) => Buffer.from(part, 'base64url'));
  if (iv === undefined || tag === undefined || sealed === undefined) throw new Error('the stored endpoint secret is unreadable');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(endpointId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('the endpoint secret does not open with WEBHOOK_SECRET_KEY (was the key changed?)');
  }
}
