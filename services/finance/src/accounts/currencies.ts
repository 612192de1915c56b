/**
 * The currency of accounts already seen, by (user, account id): an account's currency is fixed
 * when it is opened, so an entry never goes stale (an account deleted since is caught by the
 * write, which checks the account is still the user's and open). Bounded, oldest first out.
 */
export class AccountCurrencies {
  readonly #entries = new Map<string, string>();

  constructor(readonly capacity = 50_000) {}

  get(userId: string, accountId: string): string | undefined {
    return this.#entries.get(`${userId}/${accountId}`);
  }

  remember(userId: string, accountId: string, currency: string): void {
    const key = `${userId}/${accountId}`;
    if (this.#entries.has(key)) return;
    this.#entries.set(key, currency);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}
