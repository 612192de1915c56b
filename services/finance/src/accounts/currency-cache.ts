/**
 * Remembers the currency of the account a user's writes go to, (user, named account or the
 * default) → currency, for accounts whose currency is not DEFAULT_CURRENCY. Bounded, least
 * recently used first out. Only a guess: the write that uses it writes only if the account holds
 * that currency, and the general path it falls back to records the right one.
 */
export class AccountCurrencyCache {
  readonly #entries = new Map<string, string>();

  constructor(readonly capacity = 20_000) {}

  get(userId: string, accountId: string | undefined): string | undefined {
    const key = `${userId}/${accountId ?? 'default'}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  set(userId: string, accountId: string | undefined, currency: string): void {
    const key = `${userId}/${accountId ?? 'default'}`;
    this.#entries.delete(key);
    this.#entries.set(key, currency);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}
