import { currencyExponent } from './currencies.js';

export class AmountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmountError';
  }
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;
/** No amount in a personal ledger comes near this; it keeps every sum far inside bigint/NUMERIC. */
export const MAX_MINOR_DIGITS = 15;

/**
 * "12.34" (or a JSON number with no more decimals than the currency has) to integer minor units.
 * Never goes through a float: 0.1 + 0.2 stays 0.30.
 */
export function toMinor(input: string | number, currency: string): bigint {
  const exponent = currencyExponent(currency);
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new AmountError('must be a finite number');
    // The shortest round-trip form: 12.3 -> "12.3"; 0.30000000000000004 keeps all its decimals and is refused below.
    text = String(input);
    if (/e/i.test(text)) throw new AmountError('must be written without an exponent');
  } else {
    text = input.trim();
  }
  const match = DECIMAL_RE.exec(text);
  if (!match) throw new AmountError('must be a decimal number such as "12.34"');
  const [, sign, whole = '', fraction = ''] = match;
  if (fraction.length > exponent) {
    throw new AmountError(exponent === 0 ? `${currency} has no decimals` : `${currency} allows at most ${exponent} decimals`);
  }
  const digits = `${whole}${fraction.padEnd(exponent, '0')}`.replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_MINOR_DIGITS) throw new AmountError('is too large');
  const minor = BigInt(digits);
  return sign === '-' ? -minor : minor;
}

/** Integer minor units to the decimal string clients see: 1234n USD -> "12.34", 5n JPY -> "5". */
export function fromMinor(minor: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(digits.length - exponent)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}
