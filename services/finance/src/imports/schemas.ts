import { z } from 'zod';
import { IMPORT_COLUMNS } from './rows.js';

export const importQuery = z.strictObject({
  accountId: z.uuid().optional().describe('The account to import into (default: your default account). With multipart, the `accountId` field works too.'),
});

export const importReportSchema = z
  .object({
    accountId: z.uuid(),
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
