import { z } from 'zod';
import { multilineText, text } from '@expensio/common';

export const idParams = z.object({ id: z.uuid({ message: 'must be an id (UUID)' }) });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: text().max(200).optional().describe('nextCursor from the previous page'),
};

export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const tagsSchema = z.array(text().trim().min(1).max(40)).max(20);

export const optionalText = (max: number) => text().trim().max(max).nullable().optional();

/** Like optionalText, for descriptions and notes, which may span lines. */
export const optionalMultilineText = (max: number) => multilineText().trim().max(max).nullable().optional();
