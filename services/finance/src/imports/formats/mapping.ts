import { z } from 'zod';
import { ValidationError, text } from '@expensio/common';
import { DATE_FORMAT_RE } from './dates.js';
import { isKnownEncoding } from './decode.js';

const column = z.union([text().trim().min(1).max(200), z.number().int().min(0).max(10_000)]).describe('A header text (any case) or a 0-based column index');

export const MAPPED_COLUMNS = ['date', 'amount', 'debit', 'credit', 'description', 'merchant', 'category', 'currency'] as const;
export type MappedColumn = (typeof MAPPED_COLUMNS)[number];

export const DELIMITERS = [',', ';', '\t', '|'] as const;

/** How to read a CSV file whose layout the import does not recognise by itself. */
export const importMappingSchema = z
  .strictObject({
    date: column.optional(),
    amount: column.optional(),
    debit: column.optional(),
    credit: column.optional(),
    description: column.optional(),
    merchant: column.optional(),
    category: column.optional(),
    currency: column.optional(),
    dateFormat: z.string().regex(DATE_FORMAT_RE, 'must be made of YYYY (or YY), MM and DD, such as DD.MM.YYYY or MM/DD/YYYY').optional(),
    decimal: z.enum(['.', ',']).optional(),
    thousands: z.enum([',', '.', ' ', "'", '']).optional(),
    delimiter: z.enum(DELIMITERS).optional(),
    encoding: text().max(40).refine(isKnownEncoding, 'is not an encoding this server knows (utf-8, windows-1252, latin1, ...)').optional(),
    invert: z.boolean().optional().describe('Flip every sign, for card exports where charges are positive'),
  })
  .superRefine((mapping, check) => {
    if (mapping.amount !== undefined && (mapping.debit !== undefined || mapping.credit !== undefined)) {
      check.addIssue({ code: 'custom', path: ['amount'], message: 'name either amount or debit and credit, not both' });
    }
    if (mapping.decimal !== undefined && mapping.decimal === mapping.thousands) {
      check.addIssue({ code: 'custom', path: ['thousands'], message: 'must differ from decimal' });
    }
  });

export type ImportMapping = z.infer<typeof importMappingSchema>;

/** The `mapping` parameter (JSON text) to a mapping, or a 400 naming `mapping.<field>`. */
export function parseMapping(text: string, where: 'querystring' | 'body'): ImportMapping {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError('mapping must be a JSON object', [{ field: 'mapping', in: where, message: 'must be a JSON object', code: 'invalid_json' }]);
  }
  const parsed = importMappingSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    field: ['mapping', ...issue.path.map(String)].join('.'),
    in: where,
    message: issue.message,
    code: issue.code,
  }));
  throw new ValidationError(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}
