import { z } from 'zod';
import { text } from '@expensio/common';
import { IMPORT_FORMATS, importMappingSchema } from './formats/index.js';
import { IMPORT_COLUMNS } from './rows.js';

export const importQuery = z.strictObject({
  accountId: z.uuid().optional().describe('The account to import into (default: your default account). With multipart, the `accountId` field works too.'),
  format: z
    .enum(IMPORT_FORMATS)
    .optional()
    .describe('The file format, when detection from the content is not wanted. With multipart, the `format` field works too.'),
  mapping: text()
    .max(8_192)
    .optional()
    .describe(
      'JSON: how to read a CSV file: columns by header text or 0-based index (`date`, `amount` or `debit` and `credit`, `description`, `merchant`, `category`, `currency`) and `dateFormat`, `decimal`, `thousands`, `delimiter`, `encoding`, `invert`. With multipart, the `mapping` field works too.',
    ),
  dryRun: z.enum(['true', 'false']).optional().describe('`true`: answer what would happen, row by row, writing nothing (no transaction, no event)'),
  allowDuplicates: z
    .enum(['true', 'false'])
    .optional()
    .describe(
      '`true`: import rows equal to a transaction of the account or to an earlier row of the file too (two identical charges on one day are real); `outcomes[].duplicateOf` still names what each repeats',
    ),
});

const problemSchema = z.object({
  row: z.number().int().describe('The row as a spreadsheet numbers it: the header is row 1, empty lines count'),
  field: z.enum(IMPORT_COLUMNS).nullable().describe('null when the row as a whole is wrong'),
  message: z.string(),
});

const duplicateOfSchema = z.object({
  transactionId: z
    .uuid()
    .nullable()
    .describe(
      'The transaction the row repeats (an existing one, or the one an earlier row of the file made); null only in a dry run when that earlier row would itself be created',
    ),
  earlierRow: z.number().int().nullable().describe('The earlier row of the file it repeats, when it does'),
});

const previewSchema = z.object({
  type: z.enum(['income', 'expense']),
  amount: z.string(),
  currency: z.string(),
  occurredAt: z.iso.datetime({ offset: true }),
  categoryId: z.uuid().nullable(),
  description: z.string().nullable(),
  merchant: z.string().nullable(),
  tags: z.array(z.string()),
});

export const importReportSchema = z
  .object({
    accountId: z.uuid(),
    format: z.enum(IMPORT_FORMATS).describe('The format the file was read as'),
    notes: z
      .array(z.string())
      .describe('What was guessed or skipped while reading the file: encoding, delimiter, date order, lines above the header or below the last transaction'),
    rows: z.number().int().describe('Data rows read (header and empty lines not counted)'),
    created: z.number().int(),
    duplicates: z.number().int().describe('Rows skipped because the account already has them, or an earlier row of the file is the same'),
    rejected: z.number().int(),
    dryRun: z.boolean().describe('true: nothing was written; the counts and lists say what an import would do'),
    problems: z.array(problemSchema).describe('Why each rejected row was rejected (every problem of the row, the first 1,000 listed)'),
    problemsTruncated: z.boolean(),
    duplicateRows: z
      .array(duplicateOfSchema.extend({ row: z.number().int() }))
      .describe('Each row skipped as a duplicate and what it repeats (the first 1,000)'),
    duplicateRowsTruncated: z.boolean(),
    warnings: z.array(problemSchema).describe('Rows imported with something left out, and why (the first 1,000)'),
    warningsTruncated: z.boolean(),
    outcomes: z
      .array(
        z.object({
          row: z.number().int(),
          outcome: z.enum(['created', 'duplicate', 'rejected']),
          transactionId: z.uuid().nullable().describe('The created transaction; null in a dry run'),
          transaction: previewSchema.nullable().describe('The transaction the row makes (after your rules), or would make; null for a rejected row'),
          duplicateOf: duplicateOfSchema.nullable().describe('For a duplicate, what it repeats; for a row created with allowDuplicates, what it is a twin of'),
          problems: z.array(problemSchema.omit({ row: true })),
        }),
      )
      .describe('Every row’s fate in file order (the first 1,000 rows)'),
    outcomesTruncated: z.boolean(),
  })
  .meta({ id: 'TransactionImport' });

export const savedMappingSchema = z
  .object({
    accountId: z.uuid(),
    mapping: importMappingSchema,
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'SavedImportMapping' });
