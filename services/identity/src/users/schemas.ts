import { z } from 'zod';
import { isTimeZone, text } from '@expensio/common';
import type { UserRow } from './repo.js';

/** What a client may see of a user; the password hash has no way into a response. */
export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.email(),
    name: z.string().nullable(),
    role: z.enum(['user', 'admin']),
    emailVerified: z.boolean(),
    locked: z.boolean(),
    timeZone: z.string().describe('IANA time zone name: the days, weeks and months of your budgets and summaries'),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'User' });

export type UserView = z.infer<typeof userSchema>;

export function toUserView(
  row: Pick<UserRow, 'id' | 'email' | 'name' | 'role' | 'email_verified_at' | 'locked_at' | 'time_zone' | 'created_at' | 'updated_at'>,
): UserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    emailVerified: row.email_verified_at !== null,
    locked: row.locked_at !== null,
    timeZone: row.time_zone,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export const emailSchema = text()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }));

export const nameSchema = text().trim().min(1).max(100);

/** An IANA time zone name this server knows; it cannot be a control character or an offset. */
export const timeZoneSchema = text()
  .trim()
  .min(1)
  .max(64)
  .refine(isTimeZone, { message: 'must be an IANA time zone name such as Europe/Berlin or America/New_York' })
  .describe('IANA time zone name, e.g. America/New_York');
