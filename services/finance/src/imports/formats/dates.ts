import { parseOccurredAt } from '../rows.js';

/**
 * Calendar dates as banks write them. A format is its tokens YYYY (or YY), MM and DD, once each,
 * with one separator or none: `DD.MM.YYYY`, `MM/DD/YY`, `YYYYMMDD`. `YYYY-MM-DD` also takes an
 * ISO date-time, as Expensio's own export writes it.
 */

export const DATE_FORMAT_RE = /^(?=.*(?:YYYY|YY))(?=.*MM)(?=.*DD)(?:YYYY|YY|MM|DD)([-/. ]?)(?:YYYY|YY|MM|DD)\1(?:YYYY|YY|MM|DD)$/;

export const ISO_DATE = 'YYYY-MM-DD';

/** The formats tried, in this order, when a file does not name one. */
const CANDIDATES = [
  ISO_DATE,
  'DD.MM.YYYY',
  'DD.MM.YY',
  'MM/DD/YYYY',
  'DD/MM/YYYY',
  'MM/DD/YY',
  'DD/MM/YY',
  'YYYY/MM/DD',
  'DD-MM-YYYY',
  'MM-DD-YYYY',
  'YYYYMMDD',
];

const compiled = new Map<string, { re: RegExp; order: string[] }>();

function compile(format: string): { re: RegExp; order: string[] } {
  let entry = compiled.get(format);
  if (entry === undefined) {
    const order: string[] = [];
    const pattern = format.replace(/YYYY|YY|MM|DD|[-/. ]/g, (token) => {
      if (token === 'YYYY') return (order.push('Y'), '(\\d{4})');
      if (token === 'YY') return (order.push('y'), '(\\d{2})');
      if (token === 'MM' || token === 'DD') {
        order.push(token[0] ?? '');
        // Without separators the fields have fixed widths; with them, 3/1/2026 is fine too.
        return /[-/. ]/.test(format) ? '(\\d{1,2})' : '(\\d{2})';
      }
      return `\\${token}`;
    });
    // A time after the date (03/11/2026 14:22) is the bank's local time of day: the day is kept.
    entry = { re: new RegExp(`^${pattern}(?:[ T]\\d{1,2}:\\d{2}(?::\\d{2})?)?$`), order };
    compiled.set(format, entry);
  }
  return entry;
}

/** The date in `format` as `YYYY-MM-DD` (or the ISO date-time itself), undefined if it is not a real date. */
export function parseDate(text: string, format: string): string | undefined {
  const value = text.trim();
  if (format === ISO_DATE) return parseOccurredAt(value) === undefined ? undefined : value;
  const { re, order } = compile(format);
  const match = re.exec(value);
  if (!match) return undefined;
  let year = 0;
  let month = 0;
  let day = 0;
  order.forEach((token, i) => {
    const n = Number(match[i + 1]);
    if (token === 'Y') year = n;
    else if (token === 'y') year = n < 70 ? 2000 + n : 1900 + n;
    else if (token === 'M') month = n;
    else day = n;
  });
  const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return parseOccurredAt(iso) === undefined ? undefined : iso;
}

/** Which order a locale writes day and month in, for dates such as 03/04/2026 that fit both. */
export type DayOrderHint = 'day-first' | 'month-first';

export interface DateFormatGuess {
  format: string;
  /** Set when another format read the column just as well and the hint decided. */
  ambiguousWith?: string;
}

/**
 * The format that reads the most of a column's dates (all of them, in a clean file). `03/04/2026`
 * alone fits both day orders: one `13/04/2026` elsewhere in the column settles it; if nothing
 * does, the hint (the file's language) decides and the caller says so.
 */
export function inferDateFormat(values: readonly string[], hint: DayOrderHint): DateFormatGuess | undefined {
  const scored = CANDIDATES.map((format) => ({ format, count: values.filter((v) => parseDate(v, format) !== undefined).length })).filter((s) => s.count > 0);
  if (scored.length === 0) return undefined;
  const best = Math.max(...scored.map((s) => s.count));
  const top = scored.filter((s) => s.count === best).map((s) => s.format);
  if (top.length === 1) return { format: top[0] ?? ISO_DATE };
  const preferred = top.find((f) => (hint === 'day-first' ? f.indexOf('DD') < f.indexOf('MM') : f.indexOf('MM') < f.indexOf('DD'))) ?? top[0] ?? ISO_DATE;
  const other = top.find((f) => f !== preferred);
  return other === undefined ? { format: preferred } : { format: preferred, ambiguousWith: other };
}
