import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { AppError, ValidationError, newId } from '@expensio/common';
import { accountForWrite, requireOpen } from '../accounts/service.js';
import { lockBudgetsInCurrency } from '../budgets/repo.js';
import { checkThresholds } from '../budgets/thresholds.js';
import type { FinanceContext } from '../context.js';
import { categoryRefs, insertImportBatch, type ImportBatchRow } from './repo.js';
import { parseRow, readHeader, type ColumnMap, type RowProblem } from './rows.js';
import type { Answer } from '../shared/idempotency.js';

/** Rows per multi-row insert: big enough to amortise a round trip, small enough to keep memory flat. */
export const IMPORT_BATCH_SIZE = 1_000;
/** Reasons listed in one answer; past it only the count grows, so a bad 50 MB file gets a short answer. */
export const MAX_LISTED_PROBLEMS = 1_000;
export const DEFAULT_IMPORT_MAX_BYTES = 50 * 1024 * 1024;
/** A quoted field that never closes would otherwise buffer the rest of the file. */
const MAX_RECORD_BYTES = 64 * 1024;

export interface ImportReport {
  accountId: string;
  /** Data rows read (the header and empty lines not counted). */
  rows: number;
  created: number;
  duplicates: number;
  rejected: number;
  problems: RowProblem[];
  problemsTruncated: boolean;
}

export function importMaxBytes(ctx: FinanceContext): number {
  return ctx.config.IMPORT_MAX_BYTES ?? DEFAULT_IMPORT_MAX_BYTES;
}

export class ImportTooLargeError extends AppError {
  constructor(maxBytes: number) {
    super(413, 'import_too_large', 'Content Too Large', { detail: `The file is larger than ${maxBytes} bytes (IMPORT_MAX_BYTES)` });
  }
}

/** Counts bytes as they pass and stops the import at the limit, whatever Content-Length claimed. */
export async function* limitBytes(source: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<Buffer | string> {
  let seen = 0;
  for await (const chunk of source) {
    seen += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (seen > maxBytes) throw new ImportTooLargeError(maxBytes);
    yield chunk;
  }
}

function csvProblem(error: CsvError): ValidationError {
  const line = (error as CsvError & { lines?: number }).lines;
  const message = `The file is not valid CSV${line === undefined ? '' : ` (line ${line})`}: ${error.message}`;
  return new ValidationError(message, [{ field: 'file', in: 'body', message, code: 'invalid_csv' }]);
}

/**
 * Streams a CSV file into the account, in batches, inside one database transaction: either the
 * whole file is applied (created rows, duplicates skipped, bad rows reported) or, when the file
 * itself breaks (malformed CSV, too large, a lost connection), nothing is written. `finish` runs
 * inside that transaction after the last row, so a caller can still refuse the request then.
 */
export async function importTransactions(
  ctx: FinanceContext,
  userId: string,
  input: { accountId?: string | undefined; csv: AsyncIterable<Buffer | string>; finish?: () => Promise<void> },
  answer?: Answer<ImportReport>,
): Promise<ImportReport> {
  return ctx.db.transaction().execute(async (trx) => {
    const account = await accountForWrite(ctx, trx, userId, input.accountId);
    requireOpen(account);
    const categories = await categoryRefs(trx, userId);
    const now = ctx.clock.now();
    const report: ImportReport = { accountId: account.id, rows: 0, created: 0, duplicates: 0, rejected: 0, problems: [], problemsTruncated: false };

    let batch: ImportBatchRow[] = [];
    // One insert runs while the next batch is parsed: the file and the database work side by side,
    // and no more than two batches are ever held.
    let inFlight: Promise<void> = Promise.resolve();
    const flush = async () => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      await inFlight;
      inFlight = insertImportBatch(trx, { userId, accountId: account.id, currency: account.currency, now, rows }).then((written) => {
        report.created += written;
        report.duplicates += rows.length - written;
      });
      // Awaited before the next batch or at the end; this only keeps a failure from being reported as unhandled meanwhile.
      inFlight.catch(() => undefined);
    };

    // Empty lines come through as [''] so they keep their place in the row numbers.
    const parser = parse({ bom: true, trim: true, relax_column_count: true, max_record_size: MAX_RECORD_BYTES });
    const feed = Readable.from(input.csv, { objectMode: false });
    feed.once('error', (error) => parser.destroy(error));
    feed.pipe(parser);

    let columns: ColumnMap | undefined;
    let width = 0;
    // A spreadsheet shows each record as one row (a quoted line break stays inside its cell) and
    // an empty line as an empty row; the header is row 1.
    let row = 0;
    // Budgets are checked once for the whole file, from the earliest spending it holds on.
    let earliestExpense: Date | undefined;
    // Threshold alerts go only to the budgets the import moved: all-spending ones and these categories.
    const expenseCategories = new Set<string | null>();
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        row += 1;
        if (record.length === 1 && record[0] === '') continue;
        if (columns === undefined) {
          columns = readHeader(record);
          width = record.length;
          continue;
        }
        report.rows += 1;
        const parsed = parseRow(record, row, columns, width, { currency: account.currency, categories });
        if (!parsed.ok) {
          report.rejected += 1;
          for (const problem of parsed.problems) {
            if (report.problems.length < MAX_LISTED_PROBLEMS) report.problems.push(problem);
            else report.problemsTruncated = true;
          }
          continue;
        }
        batch.push({ id: newId(), ...parsed.value });
        if (parsed.value.type === 'expense' && (earliestExpense === undefined || parsed.value.occurredAt < earliestExpense)) earliestExpense = parsed.value.occurredAt;
        if (parsed.value.type === 'expense') expenseCategories.add(parsed.value.categoryId);
        if (batch.length >= IMPORT_BATCH_SIZE) await flush();
      }
    } catch (error) {
      throw error instanceof CsvError ? csvProblem(error) : error;
    } finally {
      await inFlight.catch(() => undefined);
      // Stops reading the upload without destroying it, so the answer can still be sent.
      feed.unpipe(parser);
      feed.destroy();
    }
    if (columns === undefined) {
      throw new ValidationError('The file is empty: the first line must be a header naming the columns', [
        { field: 'file', in: 'body', message: 'is empty', code: 'invalid_csv' },
      ]);
    }
    await flush();
    await inFlight;
    if (earliestExpense !== undefined && report.created > 0) {
      const budgets = await lockBudgetsInCurrency(trx, { userId, currency: account.currency });
      const moved = budgets.filter((b) => b.category_id === null || expenseCategories.has(b.category_id));
      await checkThresholds(ctx, trx, userId, moved, earliestExpense);
    }
    await input.finish?.();
    await answer?.(trx, report);
    return report;
  });
}
