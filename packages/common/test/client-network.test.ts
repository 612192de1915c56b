import { describe, expect, it } from 'vitest';
import { clientNetwork } from '@expensio/common';

describe('clientNetwork', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(clientNetwork('198.51.100.7')).toBe('198.51.100.7');
  });

  it('counts IPv6 by its /64, however the address is written', () => {
    expect(clientNetwork('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:0db8:0001:0002::9')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:DB8:1:2::ffff')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8:1:3::1')).not.toBe(clientNetwork('2001:db8:1:2::1'));
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
  });

  it('reads an IPv4-mapped IPv6 address as its IPv4 client', () => {
    expect(clientNetwork('::ffff:198.51.100.7')).toBe('198.51.100.7');
  });

  it('counts what it cannot parse as itself', () => {
    expect(clientNetwork('not an address')).toBe('not an address');
    expect(clientNetwork('')).toBe('');
  });
});
