import { AmountError, ValidationError, controlCharacterMessage, isCleanText, toMinor } from '@expensio/common';

/**
 * One CSV row to one transaction, with no database and no I/O: the import service feeds rows
 * through here and batches what comes out.
 */

export const IMPORT_COLUMNS = ['date', 'amount', 'type', 'description', 'category', 'merchant', 'tags', 'currency'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
export type ColumnMap = Partial<Record<ImportColumn, number>> & { date: number; amount: number };

/** A problem with one row. `field` is null when the row as a whole is wrong (its shape). */
export interface RowProblem {
  row: number;
  field: ImportColumn | null;
  message: string;
}

export interface ImportRow {
  type: 'income' | 'expense';
  amount: bigint;
  occurredAt: Date;
  categoryId: string | null;
  description: string | null;
  merchant: string | null;
  tags: string[];
}

export interface RowContext {
  currency: string;
  /** Category ids by lower-case slug and by lower-case id, for the user's visible categories. */
  categories: ReadonlyMap<string, string>;
}

const MAX_DESCRIPTION = 500;
const MAX_MERCHANT = 200;
const MAX_TAG = 40;
const MAX_TAGS = 20;

function badFile(message: string): ValidationError {
  return new ValidationError(message, [{ field: 'file', in: 'body', message, code: 'invalid_csv' }]);
}

/** Columns are found by header name (any case); columns the import does not know are ignored. */
export function readHeader(header: string[]): ColumnMap {
  const found: Partial<Record<ImportColumn, number>> = {};
  header.forEach((cell, index) => {
    const name = cell.trim().toLowerCase();
    const column = IMPORT_COLUMNS.find((c) => c === name);
    if (column === undefined) return;
    if (found[column] !== undefined) throw badFile(`The header names the column "${column}" twice`);
    found[column] = index;
  });
  const missing = (['date', 'amount'] as const).filter((c) => found[c] === undefined);
  if (found.date === undefined || found.amount === undefined) {
    throw badFile(`The first line must be a header naming the columns; missing: ${missing.join(', ')}`);
  }
  return { ...found, date: found.date, amount: found.amount };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO date (midnight UTC) or date-time; a date-time without an offset is read as UTC, like
 * every time this API stores.
 */
export function parseOccurredAt(text: string): Date | undefined {
  const match = DATE_RE.exec(text);
  if (!match) return undefined;
  const [, y = '', mo = '', d = '', h, mi, s, fraction, offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2026-02-30 over into March: a real date survives the round trip.
  if (year < 1900 || calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  if (h === undefined || mi === undefined) return calendar;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? '0') > 59) return undefined;
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0${fraction}`) * 1000);
  let at = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s ?? '0'), ms);
  if (offset !== undefined && offset.toUpperCase() !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    if (Number(digits.slice(0, 2)) > 23 || Number(digits.slice(2)) > 59) return undefined;
    at -= sign * minutes * 60_000;
  }
  return new Date(at);
}

function cell(record: string[], index: number | undefined): string {
  return index === undefined ? '' : (record[index] ?? '').trim();
}

/**
 * Validates one data row. Every problem of the row is reported, so a user fixes a row once.
 * `row` is the row's number as a spreadsheet shows the file: the header is row 1.
 */
export function parseRow(record: string[], row: number, columns: ColumnMap, width: number, ctx: RowContext): { ok: true; value: ImportRow } | { ok: false; problems: RowProblem[] } {
  if (record.length !== width) {
    return { ok: false, problems: [{ row, field: null, message: `has ${record.length} fields; the header has ${width}` }] };
  }
  const problems: RowProblem[] = [];
  const problem = (field: ImportColumn, message: string) => problems.push({ row, field, message });

  // The rule every text of the API follows (a description, as in the API, may span lines); such
  // a cell is reported for that alone.
  const textOptions = (column: ImportColumn) => ({ multiline: column === 'description' });
  const unclean = new Set(IMPORT_COLUMNS.filter((column) => !isCleanText(record[columns[column] ?? -1] ?? '', textOptions(column))));
  for (const column of unclean) problem(column, `${column} ${controlCharacterMessage(textOptions(column))}`);

  const dateText = cell(record, columns.date);
  const occurredAt = dateText === '' ? undefined : parseOccurredAt(dateText);
  if (unclean.has('date')) {
    // Reported above.
  } else if (dateText === '') problem('date', 'date is required');
  else if (occurredAt === undefined) problem('date', `date "${dateText}" is not an ISO date (2026-03-15) or date-time (2026-03-15T09:30:00Z)`);

  const currencyText = cell(record, columns.currency).toUpperCase();
  if (!unclean.has('currency') && currencyText !== '' && currencyText !== ctx.currency) problem('currency', `currency ${currencyText} is not the account's currency (${ctx.currency})`);

  const typeText = cell(record, columns.type).toLowerCase();
  let type: ImportRow['type'] | undefined;
  if (typeText === 'income' || typeText === 'expense') type = typeText;
  else if (!unclean.has('type') && typeText !== '') problem('type', 'type must be income or expense');

  const amountText = cell(record, columns.amount);
  let amount: bigint | undefined;
  if (unclean.has('amount')) {
    // Reported above.
  } else if (amountText === '') {
    problem('amount', 'amount is required');
  } else {
    try {
      const signed = toMinor(amountText.startsWith('+') ? amountText.slice(1) : amountText, ctx.currency);
      if (signed === 0n) problem('amount', 'amount must not be zero');
      else if (type !== undefined && signed < 0n) problem('amount', 'amount must be positive when the row has a type');
      else {
        type ??= signed < 0n ? 'expense' : 'income';
        amount = signed < 0n ? -signed : signed;
      }
    } catch (error) {
      if (!(error instanceof AmountError)) throw error;
      problem('amount', `amount ${error.message}`);
    }
  }

  const categoryText = cell(record, columns.category);
  const categoryId = categoryText === '' ? null : ctx.categories.get(categoryText.toLowerCase());
  if (categoryId === undefined && !unclean.has('category')) problem('category', `no category "${categoryText}" (use a slug such as groceries, or an id)`);

  const description = cell(record, columns.description);
  if (description.length > MAX_DESCRIPTION) problem('description', `description is longer than ${MAX_DESCRIPTION} characters`);
  const merchant = cell(record, columns.merchant);
  if (merchant.length > MAX_MERCHANT) problem('merchant', `merchant is longer than ${MAX_MERCHANT} characters`);

  const tags = [...new Set(cell(record, columns.tags).split(';').map((t) => t.trim()).filter((t) => t !== ''))];
  if (tags.length > MAX_TAGS) problem('tags', `at most ${MAX_TAGS} tags`);
  else if (tags.some((t) => t.length > MAX_TAG)) problem('tags', `a tag is longer than ${MAX_TAG} characters`);

  if (problems.length > 0 || occurredAt === undefined || amount === undefined || type === undefined || categoryId === undefined) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    value: {
      type,
      amount,
      occurredAt,
      categoryId,
      description: description === '' ? null : description,
      merchant: merchant === '' ? null : merchant,
      tags,
    },
  };
}
