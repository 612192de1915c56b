import { AppError, newId } from '@expensio/common';
import { accountForWrite, requireOpen } from '../accounts/service.js';
import { lockBudgetsInCurrency } from '../budgets/repo.js';
import { checkThresholds } from '../budgets/thresholds.js';
import type { FinanceContext } from '../context.js';
import { categoryNames, categoryRefs, insertImportBatch, type ImportBatchRow } from './repo.js';
import type { ImportRow } from './rows.js';

type ImportRowValue = ImportRow & { id: string };
import { inFileOrder, readImportFile, type ImportFormat, type ReadOptions } from './formats/index.js';
import { toImportRow, type RowProblem } from './rows.js';
import { applyRulesToImportRow, rulesForWrite } from '../rules/on-write.js';
import type { Answer } from '../shared/idempotency.js';
import { ImportScorer } from '../risk/import-scorer.js';
import { afterScoring, alertThreshold } from '../risk/service.js';
import { NO_RISK } from '../risk/score.js';
import { riskTimeZone } from '../risk/time-zone.js';
import { RISK } from '../risk/weights.js';

/** Rows per multi-row insert: big enough to amortise a round trip, small enough to keep memory flat. */
export const IMPORT_BATCH_SIZE = 1_000;
/** Reasons listed in one answer; past it only the count grows, so a bad 50 MB file gets a short answer. */
export const MAX_LISTED_PROBLEMS = 1_000;
export const DEFAULT_IMPORT_MAX_BYTES = 50 * 1024 * 1024;

export interface ImportReport {
  accountId: string;
  format: ImportFormat;
  /** What was guessed or skipped while reading the file (encoding, date order, summary lines). */
  notes: string[];
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

/** The whole file: detecting its format, encoding, date order and decimal mark needs all of it. */
async function readAll(source: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * Reads a bank file (CSV, OFX/QFX, QIF or CAMT.053) into the account, in batches, inside one
 * database transaction: either the whole file is applied (created rows, duplicates skipped, bad
 * rows reported) or, when the file itself breaks (malformed, too large, a lost connection),
 * nothing is written. `finish` runs
 * inside that transaction after the last row, so a caller can still refuse the request then.
 */
export async function importTransactions(
  ctx: FinanceContext,
  userId: string,
  input: { accountId?: string | undefined; csv: AsyncIterable<Buffer | string>; read?: ReadOptions; finish?: () => Promise<void> },
  answer?: Answer<ImportReport>,
): Promise<ImportReport> {
  return ctx.db.transaction().execute(async (trx) => {
    const account = await accountForWrite(ctx, trx, userId, input.accountId);
    requireOpen(account);
    const categories = await categoryRefs(trx, userId);
    const rules = await rulesForWrite(trx, userId);
    const now = ctx.clock.now();
    const parsed = readImportFile(await readAll(input.csv), input.read);
    const report: ImportReport = { accountId: account.id, format: parsed.format, notes: parsed.notes, rows: 0, created: 0, duplicates: 0, rejected: 0, problems: [], problemsTruncated: false };

    const timeZone = await riskTimeZone(ctx, userId);
    const scorer = await ImportScorer.start(trx, userId, account.currency, timeZone);
    const names = await categoryNames(trx, userId);
    const threshold = alertThreshold(ctx);
    const alertFrom = now.getTime() - RISK.importAlertWindowMs;

    let batch: ImportRowValue[] = [];
    // One insert runs while the next batch is parsed: the file and the database work side by side,
    // and no more than two batches are ever held.
    let inFlight: Promise<void> = Promise.resolve();
    const flush = async () => {
      if (batch.length === 0) return;
      const values = batch;
      batch = [];
      await inFlight;
      // Scored once the batches before are written: they are history the database can show.
      const scored = await scorer.scoreBatch(
        values.map((v) => ({ ...v, currency: account.currency, categoryName: v.categoryId === null ? null : (names.get(v.categoryId) ?? null), location: null })),
        threshold,
      );
      const rows: ImportBatchRow[] = values.map((v, i) => ({ ...v, risk: scored[i]?.risk ?? NO_RISK }));
      inFlight = insertImportBatch(trx, { userId, accountId: account.id, currency: account.currency, now, rows }).then(async (ids) => {
        report.created += ids.length;
        report.duplicates += rows.length - ids.length;
        const written = new Set(ids);
        // Only what happened lately is worth waking the user for; an old file's flags wait in the list.
        await afterScoring(
          ctx,
          trx,
          userId,
          rows.flatMap((row, i) => {
            const s = scored[i];
            return written.has(row.id) && s !== undefined ? [{ id: row.id, type: row.type, ...s }] : [];
          }),
          (id) => (rows.find((r) => r.id === id)?.occurredAt.getTime() ?? 0) >= alertFrom,
        );
      });
      // Awaited before the next batch or at the end; this only keeps a failure from being reported as unhandled meanwhile.
      inFlight.catch(() => undefined);
    };

    // Budgets are checked once for the whole file, from the earliest spending it holds on.
    let earliestExpense: Date | undefined;
    const rowContext = { currency: account.currency, categories, strictCategories: parsed.strictCategories };
    // Threshold alerts go only to the budgets the import moved: all-spending ones and these categories.
    const expenseCategories = new Set<string | null>();
    try {
      for (const entry of inFileOrder(parsed)) {
        report.rows += 1;
        const row = 'row' in entry ? toImportRow(entry.row, rowContext) : { ok: false as const, problems: entry.problems.map((p) => ({ row: p.line, field: p.field, message: p.message })) };
        if (!row.ok) {
          report.rejected += 1;
          for (const problem of row.problems) {
            if (report.problems.length < MAX_LISTED_PROBLEMS) report.problems.push(problem);
            else report.problemsTruncated = true;
          }
          continue;
        }
        const value = applyRulesToImportRow(rules, row.value, account);
        batch.push({ id: newId(), ...value });
        if (value.type === 'expense') {
          if (earliestExpense === undefined || value.occurredAt < earliestExpense) earliestExpense = value.occurredAt;
          expenseCategories.add(value.categoryId);
        }
        if (batch.length >= IMPORT_BATCH_SIZE) await flush();
      }
    } finally {
      await inFlight.catch(() => undefined);
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
