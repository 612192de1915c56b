import { z } from 'zod';
import { text } from '@expensio/common';
import { IMPORT_FORMATS } from './formats/index.js';
import { IMPORT_COLUMNS } from './rows.js';

export const importQuery = z.strictObject({
  accountId: z.uuid().optional().describe('The account to import into (default: your default account). With multipart, the `accountId` field works too.'),
  format: z.enum(IMPORT_FORMATS).optional().describe('The file format, when detection from the content is not wanted. With multipart, the `format` field works too.'),
  mapping: text()
    .max(8_192)
    .optional()
    .describe(
      'JSON: how to read a CSV file: columns by header text or 0-based index (`date`, `amount` or `debit` and `credit`, `description`, `merchant`, `category`, `currency`) and `dateFormat`, `decimal`, `thousands`, `delimiter`, `encoding`, `invert`. With multipart, the `mapping` field works too.',
    ),
});

export const importReportSchema = z
  .object({
    accountId: z.uuid(),
    format: z.enum(IMPORT_FORMATS).describe('The format the file was read as'),
    notes: z.array(z.string()).describe('What was guessed or skipped while reading the file: encoding, delimiter, date order, lines above the header or below the last transaction'),
    rows: z.number().int().describe('Data rows read (header and empty lines not counted)'),
    created: z.number().int(),
    duplicates: z.number().int().describe('Rows skipped because the account already has them, or an earlier row of the file is the same'),
    rejected: z.number().int(),
    problems: z
      .array(
        z.object({
          row: z.number().int().describe('The row as a spreadsheet numbers it: the header is row 1, empty lines count'),
          field: z.enum(IMPORT_COLUMNS).nullable().describe('null when the row as a whole is wrong'),
          message: z.string(),
        }),
      )
      .describe('Why each rejected row was rejected (every problem of the row, the first 1,000 listed)'),
    problemsTruncated: z.boolean(),
  })
  .meta({ id: 'TransactionImport' });
