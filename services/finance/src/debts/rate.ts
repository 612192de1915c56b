import { fieldError } from '@expensio/common';

/**
 * An annual rate is a percent with at most four decimals ("12.5", "19.99", "7.1234"), held as an
 * integer count of 1/10,000 of a percent so interest is computed without floats. The database keeps
 * the same value exactly as numeric(7, 4).
 */
export const RATE_SCALE = 10_000n;
export const MAX_RATE_UNITS = 999_9999n;

const RATE_RE = /^(\d{1,3})(?:\.(\d{1,4}))?$/;

/** "12.5" -> 125000n; null when the text is not such a percent. */
export function rateUnits(text: string): bigint | null {
  const match = RATE_RE.exec(text.trim());
  if (!match) return null;
  const [, whole = '0', fraction = ''] = match;
  return BigInt(whole) * RATE_SCALE + BigInt(fraction.padEnd(4, '0'));
}

export function parseRate(value: string | number, field: string): bigint {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  const units = rateUnits(text);
  if (units === null || units > MAX_RATE_UNITS) {
    throw fieldError(field, `${field} must be a percent from 0 to 999.9999 with at most 4 decimals, e.g. "12.5"`, 'invalid_rate');
  }
  return units;
}

/** 125000n -> "12.5": the shortest exact form, which is also what numeric(7, 4) accepts. */
export function formatRate(units: bigint): string {
  const whole = units / RATE_SCALE;
  const fraction = (units % RATE_SCALE).toString().padStart(4, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole.toString()}.${fraction}`;
}
