import { currencyExponent } from '@expensio/common';

const RATE_DECIMALS = 8;

/**
 * The rate a cross-currency transfer implies: how many units of the destination currency one unit
 * of the source bought, to 8 decimals (half up, trailing zeros dropped). Exact integer arithmetic
 * on minor units: both amounts are what the banks booked, the rate only follows from them.
 */
export function impliedRate(from: { amount: bigint; currency: string }, to: { amount: bigint; currency: string }): string {
  if (from.amount <= 0n || to.amount <= 0n) throw new RangeError('transfer amounts are positive');
  const numerator = to.amount * 10n ** BigInt(currencyExponent(from.currency) + RATE_DECIMALS);
  const denominator = from.amount * 10n ** BigInt(currencyExponent(to.currency));
  const scaled = (2n * numerator + denominator) / (2n * denominator);
  const whole = scaled / 10n ** BigInt(RATE_DECIMALS);
  const fraction = (scaled % 10n ** BigInt(RATE_DECIMALS)).toString().padStart(RATE_DECIMALS, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
}
