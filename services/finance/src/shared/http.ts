import { z } from 'zod';

export const idParams = z.object({ id: z.uuid({ message: 'must be an id (UUID)' }) });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().describe('nextCursor from the previous page'),
};

export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const tagsSchema = z.array(z.string().trim().min(1).max(40)).max(20);

export const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();
