import { CsvError, parse } from 'csv-parse/sync';
import { controlCharacterMessage, fieldError, isCleanText } from '@expensio/common';
import { inferDecimalMark, negate, parseAmount, type AmountStyle } from './amounts.js';
import { ISO_DATE, inferDateFormat, parseDate, type DayOrderHint } from './dates.js';
import { detectDelimiter } from './delimiter.js';
import { badFile } from './errors.js';
import { headerKey, recogniseHeader, type HeaderField } from './headers.js';
import { MAPPED_COLUMNS, type ImportMapping } from './mapping.js';
import type { NormalisedRow, ParsedFile, RowRejection } from './types.js';

/** A quoted field that never closes would otherwise swallow the rest of the file. */
const MAX_RECORD_BYTES = 64 * 1024;
/** Banks put account details above the header; it is looked for this far down. */
const HEADER_SEARCH_LINES = 30;

type Columns = Partial<Record<HeaderField, number>>;

interface Layout {
  /** Index of the header record, -1 for a file without one. */
  headerIndex: number;
  width: number;
  columns: Columns;
  native: boolean;
  hint: DayOrderHint;
}

function readRecords(text: string, delimiter: string): string[][] {
  try {
    // Empty lines come through as [''] so that they keep their place in the line numbers.
    return parse(text, { delimiter, trim: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, max_record_size: MAX_RECORD_BYTES });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines;
    throw badFile(`The file is not valid CSV${line === undefined ? '' : ` (line ${line})`}: ${error.message}`, 'invalid_csv');
  }
}

const isEmpty = (record: readonly string[]) => record.every((cell) => cell === '');

function cell(record: readonly string[], index: number | undefined): string {
  return index === undefined ? '' : (record[index] ?? '').trim();
}

/** The mapping's columns that name a header text, as header keys. */
function namedColumns(mapping: ImportMapping | undefined): [HeaderField, string][] {
  return MAPPED_COLUMNS.flatMap((field) => {
    const value = mapping?.[field];
    return typeof value === 'string' ? [[field, headerKey(value)] as [HeaderField, string]] : [];
  });
}

function findLayout(records: string[][], mapping: ImportMapping | undefined, delimiter: string): Layout {
  const named = namedColumns(mapping);
  const indexed = MAPPED_COLUMNS.filter((field) => typeof mapping?.[field] === 'number');
  const firstRecords = records.slice(0, HEADER_SEARCH_LINES);
  let headerIndex: number;
  if (named.length > 0) {
    headerIndex = firstRecords.findIndex((record) => {
      const keys = record.map(headerKey);
      return named.every(([, key]) => keys.includes(key));
    });
    if (headerIndex < 0) {
      const [field, key] = named.find(([, key]) => !firstRecords.some((r) => r.map(headerKey).includes(key))) ?? named[0] ?? ['date', ''];
      throw fieldError(`mapping.${field}`, `no column "${key}" in the header (looked in the first ${HEADER_SEARCH_LINES} lines)`);
    }
  } else {
    headerIndex = firstRecords.findIndex((record) => {
      const { columns } = recogniseHeader(record);
      return columns.date !== undefined && (columns.amount !== undefined || columns.debit !== undefined || columns.credit !== undefined);
    });
    if (headerIndex < 0 && indexed.length === 0) {
      if (firstRecords.every(isEmpty)) throw badFile('The file is empty: the first line must be a header naming the columns', 'invalid_csv');
      throw badFile(
        `No header naming a date and an amount (or debit and credit) column in the first ${HEADER_SEARCH_LINES} lines; name the columns with a mapping`,
        'invalid_csv',
      );
    }
  }
  const header = headerIndex >= 0 ? recogniseHeader(records[headerIndex] ?? []) : undefined;
  if (header?.duplicate !== undefined && named.length === 0) throw badFile(`The header names the column "${header.duplicate}" twice`, 'invalid_csv');

  const columns: Columns = { ...header?.columns };
  const headerKeys = headerIndex >= 0 ? (records[headerIndex] ?? []).map(headerKey) : [];
  if (mapping?.amount !== undefined) {
    delete columns.debit;
    delete columns.credit;
  }
  if (mapping?.debit !== undefined || mapping?.credit !== undefined) delete columns.amount;
  for (const field of MAPPED_COLUMNS) {
    const value = mapping?.[field];
    if (typeof value === 'string') columns[field] = headerKeys.indexOf(headerKey(value));
    else if (typeof value === 'number') columns[field] = value;
  }
  if (indexed.length > 0 && named.length === 0 && headerIndex < 0) {
    // Columns by index only: the first line is a header unless it already holds a date.
    headerIndex = records.findIndex((record) => !isEmpty(record));
    const first = records[headerIndex] ?? [];
    if (inferDateFormat([cell(first, columns.date)], 'day-first') !== undefined) headerIndex -= 1;
  }
  const width = headerIndex >= 0 ? (records[headerIndex]?.length ?? 0) : (records.find((r) => !isEmpty(r))?.length ?? 0);
  for (const field of MAPPED_COLUMNS) {
    const index = columns[field];
    if (typeof mapping?.[field] === 'number' && index !== undefined && index >= width) {
      throw fieldError(`mapping.${field}`, `column ${index} does not exist: the file has ${width} columns (counted from 0)`);
    }
  }
  if (columns.date === undefined) throw fieldError('mapping.date', 'name the date column');
  if (columns.amount === undefined && columns.debit === undefined && columns.credit === undefined)
    throw fieldError('mapping.amount', 'name the amount column, or the debit and credit columns');
  const languages = header === undefined ? new Set() : header.languages;
  const european = delimiter === ';' || [...languages].some((language) => language !== 'en');
  return {
    headerIndex,
    width,
    columns,
    native: header?.native === true && named.length === 0 && indexed.length === 0,
    hint: european ? 'day-first' : 'month-first',
  };
}

/** A shorter record, or a longer one with text past the header's columns, is not a row of this table. */
function hasHeaderShape(record: readonly string[], width: number): boolean {
  if (record.length === width) return true;
  return record.length > width && record.slice(width).every((c) => c === '');
}

const LOOKS_LIKE_DATE = /^(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{8})/;

export function parseCsv(text: string, mapping: ImportMapping | undefined): ParsedFile {
  const delimiter = mapping?.delimiter ?? detectDelimiter(text);
  const records = readRecords(text, delimiter);
  const layout = findLayout(records, mapping, delimiter);
  const { columns, width } = layout;
  const notes: string[] = [];
  if (mapping?.delimiter === undefined && delimiter !== ',') notes.push(`Columns are separated by ${delimiter === '\t' ? 'tabs' : `"${delimiter}"`}.`);
  const skippedAbove = records.slice(0, Math.max(layout.headerIndex, 0)).filter((r) => !isEmpty(r)).length;
  if (skippedAbove > 0) notes.push(`Skipped ${skippedAbove} line(s) above the header.`);

  const data = records
    .map((record, i) => ({ record, line: i + 1 }))
    .slice(layout.headerIndex + 1)
    .filter(({ record }) => !isEmpty(record));

  const amountValues = data
    .flatMap(({ record }) => [cell(record, columns.amount), cell(record, columns.debit), cell(record, columns.credit)])
    .filter((v) => v !== '');
  const decimal = mapping?.decimal ?? inferDecimalMark(amountValues) ?? (layout.hint === 'day-first' ? ',' : '.');
  const style: AmountStyle = { decimal, thousands: mapping?.thousands };

  const dateValues = data.map(({ record }) => cell(record, columns.date)).filter((v) => v !== '');
  let dateFormat = mapping?.dateFormat;
  if (dateFormat === undefined) {
    const guess = inferDateFormat(dateValues, layout.hint);
    dateFormat = guess?.format ?? ISO_DATE;
    if (guess?.ambiguousWith !== undefined) {
      notes.push(
        `Every date fits both ${guess.format} and ${guess.ambiguousWith}; read as ${guess.format} because the file looks ${layout.hint === 'day-first' ? 'European' : 'American'} (its headers and delimiter). Send mapping.dateFormat if that is wrong.`,
      );
    }
  }
  const format = dateFormat;

  // Totals and closing balances below the last transaction are not transactions.
  let lastDated = -1;
  data.forEach(({ record }, i) => {
    if (parseDate(cell(record, columns.date), format) !== undefined) lastDated = i;
  });
  const summary = lastDated < 0 ? [] : data.slice(lastDated + 1).filter(({ record }) => !LOOKS_LIKE_DATE.test(cell(record, columns.date)));
  const body = data.slice(0, data.length - summary.length);
  if (summary.length > 0) notes.push(`Skipped ${summary.length} line(s) after the last transaction (totals or balances).`);

  const rows: NormalisedRow[] = [];
  const rejections: RowRejection[] = [];
  for (const { record, line } of body) {
    if (!hasHeaderShape(record, width) && layout.headerIndex >= 0) {
      rejections.push({ line, field: null, message: `has ${record.length} fields; the header has ${width}` });
      continue;
    }
    const problems: RowRejection[] = [];
    // A control character is reported for what it is, not as a date or amount that does not parse.
    const amountTexts = columns.amount !== undefined ? [cell(record, columns.amount)] : [cell(record, columns.debit), cell(record, columns.credit)];
    const unclean = { date: !isCleanText(cell(record, columns.date)), amount: !amountTexts.every((text) => isCleanText(text)) };
    for (const field of ['date', 'amount'] as const) if (unclean[field]) problems.push({ line, field, message: `${field} ${controlCharacterMessage()}` });
    if (unclean.date || unclean.amount) {
      rejections.push(...problems);
      continue;
    }
    const dateText = cell(record, columns.date);
    const date = dateText === '' ? undefined : parseDate(dateText, format);
    if (dateText === '') problems.push({ line, field: 'date', message: 'date is required' });
    else if (date === undefined) {
      const expected = format === ISO_DATE ? 'an ISO date (2026-03-15) or date-time (2026-03-15T09:30:00Z)' : `a date written ${format}`;
      problems.push({ line, field: 'date', message: `date "${dateText}" is not ${expected}` });
    }
    const amount = readAmount(record, columns, style);
    if (!amount.ok) problems.push({ line, field: 'amount', message: amount.message });
    if (problems.length > 0 || date === undefined || !amount.ok) {
      rejections.push(...problems);
      continue;
    }
    const row: NormalisedRow = {
      line,
      date,
      amount: mapping?.invert === true ? negate(amount.value) : amount.value,
      description: cell(record, columns.description),
    };
    const optional = {
      merchant: columns.merchant,
      category: columns.category,
      currency: columns.currency,
      ...(layout.native ? { type: columns.type, tags: columns.tags } : {}),
    };
    for (const [field, index] of Object.entries(optional)) {
      const value = cell(record, index);
      if (value !== '') row[field as 'merchant'] = value;
    }
    rows.push(row);
  }
  return { format: 'csv', rows, rejections, notes };
}

function readAmount(record: readonly string[], columns: Columns, style: AmountStyle): { ok: true; value: string } | { ok: false; message: string } {
  if (columns.amount !== undefined) {
    const parsed = parseAmount(cell(record, columns.amount), style);
    return parsed.ok ? parsed : { ok: false, message: `amount ${parsed.message}` };
  }
  const debitText = cell(record, columns.debit);
  const creditText = cell(record, columns.credit);
  const debit = debitText === '' ? undefined : parseAmount(debitText, style);
  const credit = creditText === '' ? undefined : parseAmount(creditText, style);
  if (debit?.ok === false) return { ok: false, message: `debit ${debit.message}` };
  if (credit?.ok === false) return { ok: false, message: `credit ${credit.message}` };
  const paid = debit !== undefined && /[1-9]/.test(debit.value) ? debit.value : undefined;
  const received = credit !== undefined && /[1-9]/.test(credit.value) ? credit.value : undefined;
  if (paid !== undefined && received !== undefined) return { ok: false, message: `both debit (${debitText}) and credit (${creditText}) are filled` };
  // Some banks sign the debit column, most do not: either way it is money out.
  if (paid !== undefined) return { ok: true, value: paid.startsWith('-') ? paid : `-${paid}` };
  if (received !== undefined) return { ok: true, value: received.replace(/^-/, '') };
  if (debit === undefined && credit === undefined) return { ok: false, message: 'amount is required (debit or credit)' };
  return { ok: true, value: '0' };
}
