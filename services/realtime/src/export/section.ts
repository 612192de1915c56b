import { keysetPages, type ExportSection } from '@expensio/common';
import type { RealtimeContext } from '../context.js';

/** The user's webhook endpoints without their signing secrets (a restored endpoint needs a new one). */
export function realtimeExportSections(ctx: RealtimeContext): ExportSection[] {
  return [
    {
      name: 'webhooks',
      columns: ['id', 'scope', 'url', 'description', 'events', 'enabled', 'disabledReason', 'createdAt', 'updatedAt'],
      async *rows(userId) {
        const pages = keysetPages(({ after, limit }) => {
          let q = ctx.db
            .selectFrom('webhook_endpoints')
            .select(['id', 'scope', 'url', 'description', 'events', 'enabled', 'disabled_reason', 'created_at', 'updated_at'])
            .where('user_id', '=', userId);
          if (after !== undefined) q = q.where('id', '>', after);
          return q.orderBy('id').limit(limit).execute();
        });
        for await (const w of pages) {
          yield {
            id: w.id,
            scope: w.scope,
            url: w.url,
            description: w.description,
            events: w.events,
            enabled: w.enabled,
            disabledReason: w.disabled_reason,
            createdAt: w.created_at,
            updatedAt: w.updated_at,
          };
        }
      },
    },
  ];
}
