/** The file formats an import reads; `csv` also covers the Expensio layout of today's imports. */
export const IMPORT_FORMATS = ['csv', 'ofx', 'qif', 'camt053'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** A row's field named in a rejection; null when the row as a whole is wrong (its shape). */
export type RowField = 'date' | 'amount' | 'type' | 'description' | 'category' | 'merchant' | 'tags' | 'currency';

/**
 * One transaction as a bank file states it, before any account or category is known. Amounts are
 * exact decimal strings (negative = money out) whose precision the account's currency checks later.
 */
export interface NormalisedRow {
  /** Where the row starts: the record number for CSV (header = 1), the file's line otherwise. */
  line: number;
  /** `YYYY-MM-DD`, or an ISO date-time (with its offset when the file gives one). */
  date: string;
  amount: string;
  description: string;
  merchant?: string;
  category?: string;
  currency?: string;
  /** The bank's own id of the transaction (OFX FITID, CAMT AcctSvcrRef, QIF N). */
  externalId?: string;
  /** Only Expensio's own CSV layout has these two columns. */
  type?: string;
  tags?: string;
}

export interface RowRejection {
  line: number;
  field: RowField | null;
  message: string;
}

export interface ParsedFile {
  format: ImportFormat;
  rows: NormalisedRow[];
  rejections: RowRejection[];
  /** What was guessed or skipped (date order, decimal mark, summary lines), for the answer. */
  notes: string[];
}
