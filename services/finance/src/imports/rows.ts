import { AmountError, DEFAULT_TIME_ZONE, controlCharacterMessage, isCleanText, startOfDayInZone, toMinor } from '@expensio/common';
import type { NormalisedRow } from './formats/types.js';

/**
 * One row read from a bank file to one transaction of the account, with no database and no I/O:
 * the import service feeds rows through here and batches what comes out.
 */

export const IMPORT_COLUMNS = ['date', 'amount', 'type', 'description', 'category', 'merchant', 'tags', 'currency'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

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

/** A category a row may name, and which rows it takes. */
export interface CategoryRef {
  id: string;
  slug: string;
  kind: 'income' | 'expense' | 'any';
}

export interface RowContext {
  currency: string;
  /** The user's visible categories by lower-case slug, id and display name. */
  categories: ReadonlyMap<string, CategoryRef>;
  /** The user's zone: a date alone is its midnight (UTC when not given). */
  timeZone?: string;
}

/** Something of a row left out while the row itself is imported (a category it names that does not fit). */
export type RowWarning = RowProblem;

const MAX_DESCRIPTION = 500;
const MAX_MERCHANT = 200;
const MAX_TAG = 40;
const MAX_TAGS = 20;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO date (midnight starting that day in `timeZone`) or date-time; a date-time without an
 * offset is read as UTC, like every time this API stores.
 */
export function parseOccurredAt(text: string, timeZone: string = DEFAULT_TIME_ZONE): Date | undefined {
  const match = DATE_RE.exec(text);
  if (!match) return undefined;
  const [, y = '', mo = '', d = '', h, mi, s, fraction, offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2026-02-30 over into March: a real date survives the round trip.
  if (year < 1900 || calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  if (h === undefined || mi === undefined) return startOfDayInZone(`${y}-${mo}-${d}`, timeZone);
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

/**
 * Validates one row against the account. Every problem of the row is reported, so a user fixes a
 * row once. `row.line` is the row's number as a spreadsheet shows a CSV file: the header is row 1.
 */
export function toImportRow(
  input: NormalisedRow,
  ctx: RowContext,
): { ok: true; value: ImportRow; warnings: RowWarning[] } | { ok: false; problems: RowProblem[] } {
  const row = input.line;
  const problems: RowProblem[] = [];
  const warnings: RowWarning[] = [];
  const problem = (field: ImportColumn, message: string) => problems.push({ row, field, message });

  // The rule every text of the API follows (a description, as in the API, may span lines); such
  // a cell is reported for that alone.
  const textOptions = (column: ImportColumn) => ({ multiline: column === 'description' });
  const unclean = new Set(IMPORT_COLUMNS.filter((column) => !isCleanText(input[column] ?? '', textOptions(column))));
  for (const column of unclean) problem(column, `${column} ${controlCharacterMessage(textOptions(column))}`);

  const occurredAt = parseOccurredAt(input.date, ctx.timeZone);
  if (unclean.has('date')) {
    // Reported above.
  } else if (occurredAt === undefined) problem('date', `date "${input.date}" is not an ISO date (2026-03-15) or date-time (2026-03-15T09:30:00Z)`);

  const currencyText = (input.currency ?? '').trim().toUpperCase();
  if (!unclean.has('currency') && currencyText !== '' && currencyText !== ctx.currency)
    problem('currency', `currency ${currencyText} is not the account's currency (${ctx.currency})`);

  const typeText = (input.type ?? '').trim().toLowerCase();
  let type: ImportRow['type'] | undefined;
  if (typeText === 'income' || typeText === 'expense') type = typeText;
  else if (!unclean.has('type') && typeText !== '') problem('type', 'type must be income or expense');

  let amount: bigint | undefined;
  if (!unclean.has('amount')) {
    try {
      const signed = toMinor(input.amount, ctx.currency);
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

  // A category cell is the user's intent but never worth losing the row over: one that names no
  // category, or one for the other kind of row, leaves the row uncategorised and says so.
  const categoryText = (input.category ?? '').trim();
  let categoryId: string | null = null;
  const category = categoryText === '' || unclean.has('category') ? undefined : ctx.categories.get(categoryText.toLowerCase());
  if (category !== undefined && type !== undefined && category.kind !== 'any' && category.kind !== type) {
    warnings.push({ row, field: 'category', message: `"${category.slug}" is an ${category.kind} category and this row is an ${type}: imported uncategorised` });
  } else if (category !== undefined) categoryId = category.id;
  else if (categoryText !== '' && !unclean.has('category')) {
    warnings.push({ row, field: 'category', message: `no category "${categoryText}" (a name, slug or id of yours): imported uncategorised` });
  }

  const description = input.description.trim();
  if (description.length > MAX_DESCRIPTION) problem('description', `description is longer than ${MAX_DESCRIPTION} characters`);
  const merchant = (input.merchant ?? '').trim();
  if (merchant.length > MAX_MERCHANT) problem('merchant', `merchant is longer than ${MAX_MERCHANT} characters`);

  const tags = [
    ...new Set(
      (input.tags ?? '')
        .split(';')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
    ),
  ];
  if (tags.length > MAX_TAGS) problem('tags', `at most ${MAX_TAGS} tags`);
  else if (tags.some((t) => t.length > MAX_TAG)) problem('tags', `a tag is longer than ${MAX_TAG} characters`);

  if (problems.length > 0 || occurredAt === undefined || amount === undefined || type === undefined) {
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
    warnings,
  };
}
