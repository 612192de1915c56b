import { inferDecimalMark, negate, parseAmount } from './amounts.js';
import { inferDateFormat, parseDate } from './dates.js';
import { badFile } from './errors.js';
import type { ImportMapping } from './mapping.js';
import type { NormalisedRow, ParsedFile, RowRejection } from './types.js';

/**
 * QIF (Quicken Interchange Format): a `!Type:Bank` (or `CCard`, `Cash`, `Oth A`, `Oth L`) section
 * of records, one field a line keyed by its first letter, each record ended by `^`. Sections of
 * other kinds (categories, classes, investments, `!Account` headers) are skipped.
 */

const CASH_TYPES = new Set(['bank', 'ccard', 'cash', 'oth a', 'oth l']);

interface QifRecord {
  line: number;
  fields: Map<string, string>;
}

function readRecords(text: string): { records: QifRecord[]; skippedSections: string[] } {
  const records: QifRecord[] = [];
  const skippedSections: string[] = [];
  let inCash = false;
  let inAccountHeader = false;
  let current: QifRecord | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('!')) {
      const directive = line.slice(1).toLowerCase();
      inAccountHeader = directive === 'account';
      if (directive.startsWith('type:')) {
        const kind = directive.slice('type:'.length).trim();
        inCash = CASH_TYPES.has(kind);
        if (!inCash) skippedSections.push(line);
      } else if (!inAccountHeader && !directive.startsWith('option')) {
        inCash = false;
      }
      current = undefined;
      return;
    }
    if (line === '^') {
      if (current !== undefined && inCash && !inAccountHeader) records.push(current);
      current = undefined;
      inAccountHeader = false;
      return;
    }
    current ??= { line: index + 1, fields: new Map() };
    const key = line[0]?.toUpperCase() ?? '';
    // Split lines (S, E, $) repeat; the transaction's own fields come first and are kept.
    if (!current.fields.has(key)) current.fields.set(key, line.slice(1).trim());
  });
  return { records, skippedSections };
}

/** Quicken writes `1/ 5'26` for 2026-01-05: the apostrophe marks a year of this century. */
function normaliseQifDate(text: string): string {
  return text.replace(/\s+/g, '').replace(/'(\d{2})$/, '/20$1');
}

export function parseQif(text: string, mapping: ImportMapping | undefined): ParsedFile {
  if (!/^\s*!(type|account|option)/i.test(text)) throw badFile('The file is not QIF: it must start with a !Type: line', 'invalid_qif');
  const { records, skippedSections } = readRecords(text);
  const notes = skippedSections.map((section) => `Skipped the ${section} section: only bank, card and cash accounts are imported.`);
  const dates = records.map((r) => normaliseQifDate(r.fields.get('D') ?? '')).filter((d) => d !== '');
  let format = mapping?.dateFormat;
  if (format === undefined) {
    const guess = inferDateFormat(dates, 'month-first');
    format = guess?.format ?? 'MM/DD/YYYY';
    if (guess?.ambiguousWith !== undefined)
      notes.push(
        `Every date fits both ${guess.format} and ${guess.ambiguousWith}; read as ${guess.format}, as Quicken writes it. Send mapping.dateFormat if that is wrong.`,
      );
  }
  const amounts = records.map((r) => r.fields.get('T') ?? r.fields.get('U') ?? '');
  const decimal = mapping?.decimal ?? inferDecimalMark(amounts) ?? '.';

  const rows: NormalisedRow[] = [];
  const rejections: RowRejection[] = [];
  for (const { line, fields } of records) {
    const dateText = fields.get('D') ?? '';
    const date = dateText === '' ? undefined : parseDate(normaliseQifDate(dateText), format);
    if (date === undefined)
      rejections.push({ line, field: 'date', message: dateText === '' ? 'date is required (D)' : `date "${dateText}" is not a date written ${format}` });
    const amount = parseAmount(fields.get('T') ?? fields.get('U') ?? '', { decimal, thousands: mapping?.thousands });
    if (!amount.ok) rejections.push({ line, field: 'amount', message: `amount (T) ${amount.message}` });
    if (date === undefined || !amount.ok) continue;
    const payee = fields.get('P');
    const row: NormalisedRow = {
      line,
      date,
      amount: mapping?.invert === true ? negate(amount.value) : amount.value,
      description: fields.get('M') ?? payee ?? '',
    };
    if (payee !== undefined && payee !== '') row.merchant = payee;
    const category = fields.get('L');
    // `[Savings]` names a transfer account, not a category.
    if (category !== undefined && category !== '' && !category.startsWith('[')) row.category = category;
    const number = fields.get('N');
    if (number !== undefined && number !== '') row.externalId = number;
    rows.push(row);
  }
  return { format: 'qif', rows, rejections, notes };
}
