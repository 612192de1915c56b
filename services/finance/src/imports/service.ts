import { AppError, newId, type EventPayload } from '@expensio/common';
import { accountForWrite, requireOpen } from '../accounts/service.js';
import { lockBudgetsInCurrency } from '../budgets/repo.js';
import { checkThresholds } from '../budgets/thresholds.js';
import type { FinanceContext } from '../context.js';
import { formatAmount } from '../shared/money.js';
import { importFingerprint } from './fingerprint.js';
import { savedMappingFor } from './saved-mapping.js';
import { categoryNames, categoryRefs, findExistingTwins, insertImportBatch, type ImportBatchRow } from './repo.js';
import { ReportWriter, emptyReport, previewOf, type DuplicateOf, type ImportReport, type RowOutcome } from './report.js';
import { inFileOrder, readImportFile, type ReadOptions } from './formats/index.js';
import { toImportRow, type ImportRow, type RowWarning } from './rows.js';
import { userTimeZone } from '../users/time-zone.js';
import { applyRulesToImportRow, rulesForWrite } from '../rules/on-write.js';
import { transferByRule } from '../transfers/by-rule.js';
import type { Answer } from '../shared/idempotency.js';
import { ImportScorer } from '../risk/import-scorer.js';
import { afterScoring, alertThreshold } from '../risk/service.js';
import { NO_RISK } from '../risk/score.js';
import { RISK } from '../risk/weights.js';

/** Rows per multi-row insert: big enough to amortise a round trip, small enough to keep memory flat. */
export const IMPORT_BATCH_SIZE = 1_000;
/**
 * Up to this many created rows, an import publishes one `transaction.created` each, like any other
 * write; past it one `import.completed` with the counts and every id, so a statement of thousands
 * of rows does not flood sockets and webhooks with one message per row.
 */
export const MAX_TRANSACTION_EVENTS_PER_IMPORT = 100;
export const DEFAULT_IMPORT_MAX_BYTES = 50 * 1024 * 1024;
export { MAX_LISTED_PROBLEMS, type ImportReport } from './report.js';

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

/** The event of a created row: what every other write publishes for a new transaction. */
function createdEvent(row: ImportBatchRow, account: { id: string; currency: string }): EventPayload<'transaction.created'> {
  return {
    transactionId: row.id,
    accountId: account.id,
    type: row.type,
    amount: formatAmount(row.amount, account.currency),
    currency: account.currency,
    categoryId: row.categoryId,
    description: row.description,
    merchant: row.merchant,
    occurredAt: row.occurredAt.toISOString(),
    tags: row.tags,
    transferId: null,
    recurringRuleId: null,
  };
}

/** A valid row waiting for its batch: where it is in the file and the slot its outcome goes in. */
interface PendingRow {
  line: number;
  slot: RowOutcome | undefined;
  value: ImportRow;
  fingerprint: string;
  /** Reported only when the row is created: a duplicate or rejected row has nothing left out. */
  warnings: RowWarning[];
  /** The account a rule makes this row a transfer to. */
  transferTo: string | undefined;
}

/** What the file's rows so far made of each fingerprint: the first row with it and the transaction it is. */
interface SeenRow {
  line: number;
  transactionId: string | null;
}

export interface ImportInput {
  accountId?: string | undefined;
  csv: AsyncIterable<Buffer | string>;
  read?: ReadOptions;
  /** Answer what would happen, writing nothing. */
  dryRun?: boolean;
  /** Import rows equal to a transaction of the account or to an earlier row too (twins on purpose). */
  allowDuplicates?: boolean;
  finish?: () => Promise<void>;
}

/**
 * Reads a bank file (CSV, OFX/QFX, QIF or CAMT.053) into the account, in batches, inside one
 * database transaction: either the whole file is applied (created rows, duplicates skipped, bad
 * rows reported) or, when the file itself breaks (malformed, too large, a lost connection),
 * nothing is written. A dry run takes the same path up to the writes and leaves them out. `finish`
 * runs inside that transaction after the last row, so a caller can still refuse the request then.
 */
export async function importTransactions(ctx: FinanceContext, userId: string, input: ImportInput, answer?: Answer<ImportReport>): Promise<ImportReport> {
  const dryRun = input.dryRun === true;
  const allowDuplicates = input.allowDuplicates === true;
  return ctx.db.transaction().execute(async (trx) => {
    const account = await accountForWrite(ctx, trx, userId, input.accountId);
    requireOpen(account);
    const categories = await categoryRefs(trx, userId);
    const rules = await rulesForWrite(trx, userId);
    const now = ctx.clock.now();
    // A request without a mapping reads the file as the account's saved mapping says, when it has one.
    const saved = input.read?.mapping === undefined ? await savedMappingFor(trx, userId, account.id) : undefined;
    const parsed = readImportFile(await readAll(input.csv), saved ? { ...input.read, mapping: saved.mapping } : input.read);
    if (saved) parsed.notes.unshift('Read with the account’s saved mapping.');
    const writer = new ReportWriter(emptyReport(account.id, parsed.format, parsed.notes, dryRun));
    const report = writer.report;
    const seen = new Map<string, SeenRow>();

    const timeZone = await userTimeZone(trx, userId);
    const scorer = await ImportScorer.start(trx, userId, account.currency, timeZone);
    const names = await categoryNames(trx, userId);
    const threshold = alertThreshold(ctx);
    const alertFrom = now.getTime() - RISK.importAlertWindowMs;
    // Each created row's event until there are too many for that, and every created id.
    const createdEvents: EventPayload<'transaction.created'>[] = [];
    const createdIds: string[] = [];
    // Budgets are checked once for the whole file, from the earliest spending it created on.
    let earliestExpense: Date | undefined;
    // Threshold alerts go only to the budgets the import moved: all-spending ones and these categories.
    const expenseCategories = new Set<string | null>();
    // Rows a rule makes transfers (ADR 0016), once written.
    const ruleTransfers: { id: string; accountId: string }[] = [];

    /** Decides each row of the batch in file order (duplicate of what, or created) and writes the created ones. */
    const settle = async (batch: PendingRow[]) => {
      const unseen = batch.filter((p) => !seen.has(p.fingerprint)).map((p) => ({ fingerprint: p.fingerprint, row: p.value }));
      const existing = await findExistingTwins(trx, { userId, accountId: account.id, timeZone, rows: unseen });
      const toWrite: (Omit<ImportBatchRow, 'risk'> & { pending: PendingRow; twinOf: DuplicateOf | null })[] = [];
      for (const pending of batch) {
        const preview = previewOf(pending.value, account.currency);
        const earlier = seen.get(pending.fingerprint);
        const twin = earlier === undefined ? existing.get(pending.fingerprint) : undefined;
        const repeats: DuplicateOf | null =
          earlier !== undefined
            ? { transactionId: earlier.transactionId, earlierRow: earlier.line }
            : twin !== undefined
              ? { transactionId: twin.transactionId, earlierRow: null }
              : null;
        if (repeats !== null && !allowDuplicates) {
          if (earlier === undefined) seen.set(pending.fingerprint, { line: pending.line, transactionId: repeats.transactionId });
          writer.duplicate(pending.line, pending.slot, preview, repeats);
          continue;
        }
        const id = newId();
        if (earlier === undefined) seen.set(pending.fingerprint, { line: pending.line, transactionId: dryRun ? null : id });
        // The fingerprint stands for the first transaction of its kind; a twin imported on purpose
        // carries none and is matched by its fields afterwards, like a transaction made by hand.
        const fingerprintTaken = earlier !== undefined || twin?.fingerprinted === true;
        toWrite.push({ ...pending.value, id, fingerprint: fingerprintTaken ? null : pending.fingerprint, pending, twinOf: repeats });
      }
      if (dryRun) {
        for (const row of toWrite) {
          writer.created(row.pending.slot, previewOf(row, account.currency), null, row.twinOf);
          for (const warning of row.pending.warnings) writer.warn(warning);
        }
        return;
      }
      // Scored once the batches before are written: they are history the database can show.
      const scored = await scorer.scoreBatch(
        toWrite.map((v) => ({
          ...v,
          currency: account.currency,
          categoryName: v.categoryId === null ? null : (names.get(v.categoryId) ?? null),
          location: null,
        })),
        threshold,
      );
      const rows = toWrite.map((v, i) => ({ ...v, risk: scored[i]?.risk ?? NO_RISK }));
      const written = await insertImportBatch(trx, { userId, accountId: account.id, currency: account.currency, now, rows });
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
      // Rows a concurrent import of the same file wrote first (its commit released the index): named now.
      const lost = toWrite.filter((row) => !written.has(row.id));
      const taken = await findExistingTwins(trx, {
        userId,
        accountId: account.id,
        timeZone,
        rows: lost.map((row) => ({ fingerprint: row.pending.fingerprint, row })),
      });
      for (const row of rows) {
        const preview = previewOf(row, account.currency);
        if (!written.has(row.id)) {
          const transactionId = taken.get(row.pending.fingerprint)?.transactionId ?? null;
          if (seen.get(row.pending.fingerprint)?.line === row.pending.line) seen.set(row.pending.fingerprint, { line: row.pending.line, transactionId });
          writer.duplicate(row.pending.line, row.pending.slot, preview, { transactionId, earlierRow: null });
          continue;
        }
        writer.created(row.pending.slot, preview, row.id, row.twinOf);
        for (const warning of row.pending.warnings) writer.warn(warning);
        createdIds.push(row.id);
        if (row.pending.transferTo !== undefined) ruleTransfers.push({ id: row.id, accountId: row.pending.transferTo });
        if (createdEvents.length <= MAX_TRANSACTION_EVENTS_PER_IMPORT) createdEvents.push(createdEvent(row, account));
        if (row.type === 'expense') {
          if (earliestExpense === undefined || row.occurredAt < earliestExpense) earliestExpense = row.occurredAt;
          expenseCategories.add(row.categoryId);
        }
      }
    };

    const rowContext = { currency: account.currency, categories, timeZone };
    let batch: PendingRow[] = [];
    for (const entry of inFileOrder(parsed)) {
      report.rows += 1;
      const slot = writer.outcome(entry.line);
      const row =
        'row' in entry
          ? toImportRow(entry.row, rowContext)
          : { ok: false as const, problems: entry.problems.map((p) => ({ row: p.line, field: p.field, message: p.message })) };
      if (!row.ok) {
        writer.rejected(slot, row.problems);
        continue;
      }
      const { transferTo, ...value } = applyRulesToImportRow(rules, row.value, account);
      batch.push({ line: entry.line, slot, value, fingerprint: importFingerprint(account.id, value), warnings: row.warnings, transferTo });
      if (batch.length >= IMPORT_BATCH_SIZE) {
        await settle(batch);
        batch = [];
      }
    }
    await settle(batch);

    if (createdIds.length > MAX_TRANSACTION_EVENTS_PER_IMPORT) {
      const { accountId, format, rows, created, duplicates, rejected } = report;
      await ctx.bus.publish(trx, 'import.completed', userId, { accountId, format, rows, created, duplicates, rejected, transactionIds: createdIds });
    } else {
      for (const event of createdEvents) await ctx.bus.publish(trx, 'transaction.created', userId, event);
    }
    // After the created events, so a subscriber sees each row made, then made a transfer.
    for (const transfer of ruleTransfers) await transferByRule(ctx, trx, userId, transfer.id, transfer.accountId);
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
