import type { ExportSection } from '@expensio/common';
import type { IdentityContext } from '../context.js';

/** The profile as the user sees it: never the password hash, lock reason or anything secret. */
export function identityExportSections(ctx: IdentityContext): ExportSection[] {
  return [
    {
      name: 'profile',
      columns: ['id', 'email', 'name', 'role', 'emailVerifiedAt', 'timeZone', 'createdAt', 'updatedAt'],
      async *rows(userId) {
        const user = await ctx.db
          .selectFrom('users')
          .select(['id', 'email', 'name', 'role', 'email_verified_at', 'time_zone', 'created_at', 'updated_at'])
          .where('id', '=', userId)
          .executeTakeFirst();
        if (user === undefined) return;
        yield { id: user.id, email: user.email, name: user.name, role: user.role, emailVerifiedAt: user.email_verified_at, timeZone: user.time_zone, createdAt: user.created_at, updatedAt: user.updated_at };
      },
    },
  ];
}
