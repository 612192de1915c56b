import { randomBytes } from 'node:crypto';
import { isSealed, seal, unseal, UnsealError } from '@expensio/common';

const PREFIX = 'whsec_';

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
  return key === undefined ? secret : seal(secret, endpointId, key);
}

/** The secret to sign with; throws when it is sealed and the key is missing or another one. */
export function openSecret(stored: string, endpointId: string, key: Buffer | undefined): string {
  if (!isSealed(stored)) return stored;
  if (key === undefined) throw new Error('the endpoint secret is sealed but WEBHOOK_SECRET_KEY is not set');
  try {
    return unseal(stored, endpointId, key);
  } catch (error) {
    if (error instanceof UnsealError && error.message.includes('key'))
      throw new Error('the endpoint secret does not open with WEBHOOK_SECRET_KEY (was the key changed?)', { cause: error });
    throw new Error('the stored endpoint secret is unreadable', { cause: error });
  }
}
