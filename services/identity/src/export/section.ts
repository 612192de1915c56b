import { keysetPages, type ExportSection } from '@expensio/common';
import type { IdentityContext } from '../context.js';
import { getSettings } from '../security/settings.js';

/**
 * The profile as the user sees it, and their account-security state: alert and step-up settings
 * and the devices they are known from. Never the password hash, a lock reason, a TOTP secret,
 * backup codes, a device's fingerprint or any sign-in's IP (none of it is restored either).
 */
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
        yield {
          id: user.id,
          email: user.email,
          name: user.name,
          role: user.role,
          emailVerifiedAt: user.email_verified_at,
          timeZone: user.time_zone,
          createdAt: user.created_at,
          updatedAt: user.updated_at,
        };
      },
    },
    {
      // The settings in force: the defaults for a user who never changed them (updatedAt null).
      name: 'securitySettings',
      columns: ['stepUp', 'alertThreshold', 'alertSignals', 'channels', 'updatedAt'],
      async *rows(userId) {
        const stored = await ctx.db.selectFrom('security_settings').select('updated_at').where('user_id', '=', userId).executeTakeFirst();
        const settings = await getSettings(ctx.db, userId);
        yield {
          stepUp: settings.stepUp,
          alertThreshold: settings.alertThreshold,
          alertSignals: settings.alertSignals,
          channels: settings.channels,
          updatedAt: stored?.updated_at ?? null,
        };
      },
    },
    {
      name: 'knownDevices',
      columns: ['id', 'browser', 'os', 'type', 'firstSeenAt', 'lastSeenAt'],
      async *rows(userId) {
        const pages = keysetPages(({ after, limit }) => {
          let q = ctx.db.selectFrom('known_devices').select(['id', 'browser', 'os', 'type', 'first_seen_at', 'last_seen_at']).where('user_id', '=', userId);
          if (after !== undefined) q = q.where('id', '>', after);
          return q.orderBy('id').limit(limit).execute();
        });
        for await (const d of pages) yield { id: d.id, browser: d.browser, os: d.os, type: d.type, firstSeenAt: d.first_seen_at, lastSeenAt: d.last_seen_at };
      },
    },
  ];
}
