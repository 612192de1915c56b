import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { backupDocument, restoreReport } from './backup-schema.js';
import { restoreBackup } from './restore.js';

/** The same bound as a bank file import: a backup is parsed whole, so its size is what it costs. */
const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

export function backupRoutes(app: HttpApp, ctx: FinanceContext) {
  app.post(
    '/api/import/backup',
    {
      config: { auth: 'user' as const, problems: { 413: 'The document is larger than IMPORT_MAX_BYTES (`payload_too_large`)' } },
      bodyLimit: ctx.config.IMPORT_MAX_BYTES ?? DEFAULT_MAX_BYTES,
      schema: {
        tags: ['export'],
        summary: 'Restore a GET /api/export document into an account that has recorded nothing yet (409 otherwise); all or nothing',
        body: backupDocument,
        response: { 201: restoreReport },
      },
    },
    async (request, reply) => reply.status(201).send(await restoreBackup(ctx, requireUser(request).id, request.body)),
  );
}
