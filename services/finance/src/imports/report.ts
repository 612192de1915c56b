import { formatAmount } from '../shared/money.js';
import type { ImportFormat } from './formats/index.js';
import type { ImportRow, RowProblem, RowWarning } from './rows.js';

/** Reasons listed in one answer; past it only the count grows, so a bad 50 MB file gets a short answer. */
export const MAX_LISTED_PROBLEMS = 1_000;
/** Rows whose fate the answer lists one by one (duplicates and warnings have their own lists of this size). */
export const MAX_LISTED_OUTCOMES = 1_000;

/** The transaction a row makes (or would make, in a dry run), as the API shows amounts. */
export interface RowPreview {
  type: ImportRow['type'];
  amount: string;
  currency: string;
  occurredAt: string;
  categoryId: string | null;
  description: string | null;
  merchant: string | null;
  tags: string[];
}

/** What a duplicate repeats: a transaction the account has, or an earlier row of the file (or both: the earlier row's own transaction). */
export interface DuplicateOf {
  /** Null only in a dry run, when the earlier row it repeats would itself be created. */
  transactionId: string | null;
  earlierRow: number | null;
}

export interface RowOutcome {
  row: number;
  outcome: 'created' | 'duplicate' | 'rejected';
  /** The created transaction's id; null in a dry run and for the other outcomes. */
  transactionId: string | null;
  transaction: RowPreview | null;
  duplicateOf: DuplicateOf | null;
  problems: Omit<RowProblem, 'row'>[];
}

export interface ImportReport {
  accountId: string;
  format: ImportFormat;
  dryRun: boolean;
  /** What was guessed or skipped while reading the file (encoding, date order, summary lines). */
  notes: string[];
  /** Data rows read (the header and empty lines not counted). */
  rows: number;
  created: number;
  duplicates: number;
  rejected: number;
  problems: RowProblem[];
  problemsTruncated: boolean;
  duplicateRows: (DuplicateOf & { row: number })[];
  duplicateRowsTruncated: boolean;
  warnings: RowWarning[];
  warningsTruncated: boolean;
  outcomes: RowOutcome[];
  outcomesTruncated: boolean;
}

export function emptyReport(accountId: string, format: ImportFormat, notes: string[], dryRun: boolean): ImportReport {
  return {
    accountId,
    format,
    dryRun,
    notes,
    rows: 0,
    created: 0,
    duplicates: 0,
    rejected: 0,
    problems: [],
    problemsTruncated: false,
    duplicateRows: [],
    duplicateRowsTruncated: false,
    warnings: [],
    warningsTruncated: false,
    outcomes: [],
    outcomesTruncated: false,
  };
}

export function previewOf(row: ImportRow, currency: string): RowPreview {
  return {
    type: row.type,
    amount: formatAmount(row.amount, currency),
    currency,
    occurredAt: row.occurredAt.toISOString(),
    categoryId: row.categoryId,
    description: row.description,
    merchant: row.merchant,
    tags: row.tags,
  };
}

/** Keeps the answer's lists within their caps while the counts keep growing. */
export class ReportWriter {
  constructor(readonly report: ImportReport) {}

  /** A slot in file order, filled once the row's batch is settled; undefined past the cap. */
  outcome(row: number): RowOutcome | undefined {
    if (this.report.outcomes.length >= MAX_LISTED_OUTCOMES) {
      this.report.outcomesTruncated = true;
      return undefined;
    }
    const slot: RowOutcome = { row, outcome: 'rejected', transactionId: null, transaction: null, duplicateOf: null, problems: [] };
    this.report.outcomes.push(slot);
    return slot;
  }

  rejected(slot: RowOutcome | undefined, problems: RowProblem[]): void {
    this.report.rejected += 1;
    for (const problem of problems) {
      if (this.report.problems.length < MAX_LISTED_PROBLEMS) this.report.problems.push(problem);
      else this.report.problemsTruncated = true;
    }
    if (slot) slot.problems = problems.map(({ field, message }) => ({ field, message }));
  }

  duplicate(row: number, slot: RowOutcome | undefined, preview: RowPreview, of: DuplicateOf): void {
    this.report.duplicates += 1;
    if (this.report.duplicateRows.length < MAX_LISTED_OUTCOMES) this.report.duplicateRows.push({ row, ...of });
    else this.report.duplicateRowsTruncated = true;
    if (slot) Object.assign(slot, { outcome: 'duplicate', transaction: preview, duplicateOf: of });
  }

  created(slot: RowOutcome | undefined, preview: RowPreview, transactionId: string | null, twinOf: DuplicateOf | null): void {
    this.report.created += 1;
    if (slot) Object.assign(slot, { outcome: 'created', transaction: preview, transactionId, duplicateOf: twinOf });
  }

  warn(warning: RowWarning): void {
    if (this.report.warnings.length < MAX_LISTED_OUTCOMES) this.report.warnings.push(warning);
    else this.report.warningsTruncated = true;
  }
}
