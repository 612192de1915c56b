import { describe, expect, it } from 'vitest';
import { TtlCache } from '../src/index.js';

const at = (iso: string) => new Date(iso);

describe('TtlCache', () => {
  it('answers an entry until its own expiry, then forgets it', () => {
    const cache = new TtlCache<string, number>(10);
    cache.set('a', 1, at('2026-01-01T00:10:00Z'));
    cache.set('b', 2, at('2026-01-01T00:20:00Z'));
    expect(cache.get('a', at('2026-01-01T00:09:59Z'))).toBe(1);
    expect(cache.get('a', at('2026-01-01T00:10:00Z'))).toBeUndefined();
    expect(cache.size).toBe(1);
    expect(cache.get('b', at('2026-01-01T00:10:00Z'))).toBe(2);
  });

  it('when full, lets the entry stored longest ago go', () => {
    const cache = new TtlCache<string, number>(2);
    const later = at('2026-01-02T00:00:00Z');
    const now = at('2026-01-01T00:00:00Z');
    cache.set('a', 1, later);
    cache.set('b', 2, later);
    cache.set('a', 3, later); // stored again: now the newest
    cache.set('c', 4, later);
    expect([cache.get('a', now), cache.get('b', now), cache.get('c', now)]).toEqual([3, undefined, 4]);
  });

  it('refuses a capacity that holds nothing', () => {
    expect(() => new TtlCache(0)).toThrow();
  });
});
