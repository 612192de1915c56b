import { z } from 'zod';
import { SCOPES, text, type Scope } from '@expensio/common';

export const MAX_PAT_DAYS = 365;

export const createPatBody = z.strictObject({
  name: text().trim().min(1).max(100),
  scopes: z
    .array(z.enum(SCOPES))
    .min(1)
    .max(SCOPES.length)
    .describe('`read` or `write` for every area, or `<area>:read` / `<area>:write`; `write` implies `read`'),
  expiresInDays: z
    .number()
    .int()
    .min(1)
    .max(MAX_PAT_DAYS)
    .describe(`Required: tokens always expire, after at most ${String(MAX_PAT_DAYS)} days`),
});
export type CreatePatInput = z.infer<typeof createPatBody>;

/** A token as listed: never the token itself nor its hash. */
export const patSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'PersonalAccessToken' });

export const createdPatSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    expiresAt: z.iso.datetime(),
    token: z.string().describe('Shown this once: only its hash is kept'),
  })
  .meta({ id: 'CreatedPersonalAccessToken' });

export const patIdParams = z.object({ id: z.uuid({ message: 'must be a token id (UUID)' }) });

export const introspectBody = z.strictObject({ token: text().min(1).max(200) });

export function toPatView(row: { id: string; name: string; scopes: Scope[]; created_at: Date; expires_at: Date; last_used_at: Date | null }) {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}
