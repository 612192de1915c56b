/**
 * Amounts as banks write them, to exact decimal strings: `$-12.00`, `(45.00)`, `-1,234.56`,
 * `-54,23`, `1.234,56 €`, `54,23-`. No float is involved anywhere.
 */

export type DecimalMark = '.' | ',';

export interface AmountStyle {
  decimal: DecimalMark;
  /** The grouping mark; when absent, the usual ones for the decimal mark are accepted. */
  thousands?: string | undefined;
}

export type AmountResult = { ok: true; value: string } | { ok: false; message: string };

const SPACES = /[\s\u00a0\u202f]+/g;
// Symbols and ISO codes written before or after the number, on either side of the sign.
const SYMBOL = String.raw`(?:[A-Z]{3}|US\$|C\$|A\$|R\$|[$€£¥₹₩₽₺₪฿]|Fr\.|kr\.?|zł)`;
const LEADING = new RegExp(`^${SYMBOL}`, 'i');
const TRAILING = new RegExp(`${SYMBOL}$`, 'i');

/** Grouping marks accepted for a decimal mark when the file does not name one. */
function groupingFor(style: AmountStyle): string[] {
  if (style.thousands !== undefined) return style.thousands === '' ? [] : [style.thousands];
  return style.decimal === '.' ? [',', "'", ' '] : ['.', "'", ' '];
}

const NOT_A_NUMBER = 'must be a decimal number such as "-12.34"';

export function parseAmount(raw: string, style: AmountStyle): AmountResult {
  let text = raw.replace(SPACES, ' ').trim();
  if (text === '') return { ok: false, message: 'is required' };
  let negative = false;
  // Peels signs and currency off both ends, whichever order the bank wrote them in ($-12.00, -$12.00, 54,23- €).
  for (let before = ''; before !== text;) {
    before = text;
    if (text.startsWith('(') && text.endsWith(')')) {
      negative = !negative;
      text = text.slice(1, -1);
    } else if (/^[+-]/.test(text)) {
      negative = text.startsWith('-') !== negative;
      text = text.slice(1);
    } else if (text.endsWith('-')) {
      negative = !negative;
      text = text.slice(0, -1);
    }
    text = text.replace(LEADING, '').replace(TRAILING, '').trim();
  }
  const [whole = '', fraction, extra] = text.split(style.decimal);
  if (extra !== undefined || (fraction !== undefined && !/^\d+$/.test(fraction))) return { ok: false, message: NOT_A_NUMBER };
  const digits = ungroup(whole, groupingFor(style));
  if (digits === undefined || (digits === '' && fraction === undefined)) return { ok: false, message: NOT_A_NUMBER };
  const value = `${digits === '' ? '0' : digits}${fraction === undefined ? '' : `.${fraction}`}`;
  return { ok: true, value: negative && /[1-9]/.test(value) ? `-${value}` : value };
}

/** `1,234,567` to `1234567` when the groups are real groups of three; undefined otherwise. */
function ungroup(whole: string, marks: string[]): string | undefined {
  if (/^\d*$/.test(whole)) return whole;
  for (const mark of marks) {
    const groups = whole.split(mark);
    if (groups.length > 1 && /^\d{1,3}$/.test(groups[0] ?? '') && groups.slice(1).every((g) => /^\d{3}$/.test(g))) return groups.join('');
  }
  return undefined;
}

/** Flips the sign of a decimal string (for exports where charges are positive). */
export function negate(value: string): string {
  if (value.startsWith('-')) return value.slice(1);
  return /[1-9]/.test(value) ? `-${value}` : value;
}

/**
 * The decimal mark of a column, from the values that show it: `12,34` or `1.234,56` mean a comma,
 * `12.34` or `1,234.56` a dot. Undefined when no value tells (only whole numbers, or `1,234`).
 */
export function inferDecimalMark(values: Iterable<string>): DecimalMark | undefined {
  let dot = 0;
  let comma = 0;
  for (const raw of values) {
    const text = raw.replace(SPACES, '').replace(/^\D+|\D+$/g, '');
    const dots = text.split('.').length - 1;
    const commas = text.split(',').length - 1;
    if (dots > 0 && commas > 0) {
      if (text.lastIndexOf('.') > text.lastIndexOf(',')) dot += 1;
      else comma += 1;
    } else if (commas > 1 || (dots === 1 && !/\.\d{3}$/.test(text))) {
      dot += 1;
    } else if (dots > 1 || (commas === 1 && !/,\d{3}$/.test(text))) {
      comma += 1;
    }
  }
  if (dot === 0 && comma === 0) return undefined;
  return comma > dot ? ',' : '.';
}
