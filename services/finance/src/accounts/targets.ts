import type { WriteTarget } from '../transactions/service.js';

/**
 * Remembers where a user's writes go: (user, named account or the default) → the account's id
 * and currency, neither of which ever changes. Bounded, least recently used first out. Nothing
 * here is trusted blindly: the write that uses an entry re-checks, in the same statement, that the
 * account is still the user's, open and (when unnamed) still the default, and forgets the entry
 * when it is not.
 */
export class WriteTargetCache {
  readonly #entries = new Map<string, WriteTarget>();

  constructor(readonly capacity = 20_000) {}

  get(userId: string, accountId: string | undefined): WriteTarget | undefined {
    const key = `${userId}/${accountId ?? 'default'}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  set(userId: string, accountId: string | undefined, target: WriteTarget): void {
    const key = `${userId}/${accountId ?? 'default'}`;
    this.#entries.delete(key);
    this.#entries.set(key, target);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  forget(userId: string, accountId: string | undefined): void {
    this.#entries.delete(`${userId}/${accountId ?? 'default'}`);
  }
}
