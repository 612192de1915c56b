import { z } from 'zod';
import { AmountError, fieldError, fromMinor, isCurrency, text, toMinor } from '@expensio/common';

export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code in capitals, e.g. USD')
  .refine(isCurrency, { message: 'is not an ISO 4217 currency' });

/** Clients send "12.34"; a JSON number is accepted when it has no more decimals than the currency. */
export const amountInput = z
  .union([text().max(40), z.number()])
  .describe('A decimal string such as "12.34" (or a JSON number with no more decimals than the currency allows)');

export const amountOutput = z.string().describe('A decimal string in the currency, e.g. "12.34"');

/** Converts at the edge of the rules, naming the field on failure. */
export function parseAmount(value: string | number, currency: string, field: string, options: { positive?: boolean } = {}): bigint {
  let minor: bigint;
  try {
    minor = toMinor(value, currency);
  } catch (error) {
    if (error instanceof AmountError) throw fieldError(field, `${field} ${error.message}`, 'invalid_amount');
    throw error;
  }
  if (options.positive === true && minor <= 0n) throw fieldError(field, `${field} must be greater than zero`, 'invalid_amount');
  return minor;
}

export const formatAmount = fromMinor;
