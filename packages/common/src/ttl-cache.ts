/**
 * A bounded in-process map whose entries lapse at their own expiry: for facts that are costly to
 * establish and true until a known moment (a verified token until it expires). Time is passed in,
 * so a test moves a clock instead of waiting. Full, it drops the entry stored longest ago.
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`A cache holds at least one entry, got ${capacity}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K, now: Date): V | undefined {
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.expiresAt <= now.getTime()) {
      this.#entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: K, value: V, expiresAt: Date): void {
    // Re-stored, an entry counts as new: insertion order is the eviction order.
    this.#entries.delete(key);
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt: expiresAt.getTime() });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }
}
