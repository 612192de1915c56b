import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmountError, CURRENCY_CODES, currencyExponent, fromMinor, isCurrency, toMinor } from '@expensio/common';

describe('currencies', () => {
  it('knows the exponent of each ISO 4217 currency, including the exceptions', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KRW')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('BHD')).toBe(3);
    expect(() => currencyExponent('XYZ')).toThrow(RangeError);
    expect(isCurrency('usd')).toBe(false);
    expect(CURRENCY_CODES.length).toBeGreaterThan(150);
  });
});

describe('toMinor and fromMinor', () => {
  it('keeps sums exact: 0.10 + 0.20 is 0.30', () => {
    expect(fromMinor(toMinor('0.10', 'USD') + toMinor(0.2, 'USD'), 'USD')).toBe('0.30');
  });

  it.each([
    ['12.34', 'USD', 1234n],
    ['12.3', 'USD', 1230n],
    ['12', 'USD', 1200n],
    ['-0.05', 'USD', -5n],
    ['007.10', 'EUR', 710n],
    ['1500', 'JPY', 1500n],
    ['1.234', 'KWD', 1234n],
    [' 3.50 ', 'GBP', 350n],
  ])('reads %j %s as %s minor units', (text, currency, minor) => {
    expect(toMinor(text, currency)).toBe(minor);
  });

  it.each([
    [1234n, 'USD', '12.34'],
    [-5n, 'USD', '-0.05'],
    [0n, 'USD', '0.00'],
    [1500n, 'JPY', '1500'],
    [1234n, 'KWD', '1.234'],
    [7n, 'KWD', '0.007'],
  ])('writes %s %s as %j', (minor, currency, text) => {
    expect(fromMinor(minor, currency)).toBe(text);
  });

  it.each([
    ['1.234', 'USD', /at most 2 decimals/],
    ['1.5', 'JPY', /no decimals/],
    ['1,50', 'EUR', /decimal number/],
    ['12.', 'USD', /decimal number/],
    ['1e3', 'USD', /decimal number/],
    ['', 'USD', /decimal number/],
    ['9999999999999999', 'USD', /too large/],
  ])('refuses %j %s', (text, currency, message) => {
    expect(() => toMinor(text, currency)).toThrow(message);
  });

  it('accepts a JSON number only when it has no more decimals than the currency allows', () => {
    expect(toMinor(12.5, 'USD')).toBe(1250n);
    expect(() => toMinor(0.1 + 0.2, 'USD')).toThrow(AmountError);
    expect(() => toMinor(1.5, 'JPY')).toThrow(AmountError);
    expect(() => toMinor(Number.NaN, 'USD')).toThrow(AmountError);
    expect(() => toMinor(1e21, 'USD')).toThrow(AmountError);
  });

  it('round-trips every amount in every currency', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }), fc.constantFrom(...CURRENCY_CODES), (minor, currency) => {
        expect(toMinor(fromMinor(minor, currency), currency)).toBe(minor);
      }),
    );
  });
});
