/**
 * part / whole × 100 rounded half away from zero to 2 decimals, computed on integers so money
 * never passes through a float before the last step. null when whole is zero.
 */
export function percentOf(part: bigint, whole: bigint): number | null {
  if (whole === 0n) return null;
  return Number(divideRounded(part * 10_000n, whole)) / 100;
}

/** numerator / denominator rounded half away from zero. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const abs = (v: bigint) => (v < 0n ? -v : v);
  if (2n * abs(remainder) < abs(denominator)) return quotient;
  return quotient + (numerator < 0n !== denominator < 0n ? -1n : 1n);
}
