export { CURRENCY_CODES, currencyExponent, isCurrency } from './currencies.js';
export { AmountError, MAX_MINOR_DIGITS, fromMinor, toMinor } from './amount.js';
