import { hash, verify } from '@node-rs/argon2';
import { normalisePassword } from './policy.js';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spends the same time as a real check, so an unknown email answers as slowly as a known one. */
  verifyNothing(password: string): Promise<void>;
}

export function argon2Hasher(options: { memoryKib: number; timeCost: number }): PasswordHasher {
  // The library's default algorithm is Argon2id.
  const params = { memoryCost: options.memoryKib, timeCost: options.timeCost, parallelism: 1 };
  let decoy: Promise<string> | undefined;
  return {
    hash: (password) => hash(normalisePassword(password), params),
    verify: async (stored, password) => {
      try {
        return await verify(stored, normalisePassword(password));
      } catch {
        return false;
      }
    },
    verifyNothing: async (password) => {
      decoy ??= hash('decoy password for unknown accounts', params);
      await verify(await decoy, normalisePassword(password)).catch(() => false);
    },
  };
}
