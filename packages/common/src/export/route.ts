import { Readable } from 'node:stream';
import { z } from 'zod';
import { requireUser } from '../auth/plugin.js';
import type { Clock } from '../clock.js';
import type { HttpApp } from '../http/app.js';
import { csvZipExport } from './csv-zip.js';
import { jsonExport } from './json.js';
import type { ExportSection } from './section.js';

/** What the JSON document holds: its header, then one array of rows per section this server holds. */
const exportDocument = z
  .object({
    format: z.string().describe('Always "expensio-export"'),
    version: z.number().int().describe('The format version; an import reads the versions it knows'),
    exportedAt: z.string().describe('ISO 8601 instant'),
    sections: z.array(z.string()).describe('The sections that follow, each an array of rows keyed by its name'),
  })
  .catchall(z.array(z.record(z.string(), z.unknown())));

const exportQuery = z.object({
  format: z.enum(['json', 'csv']).default('json').describe('json: one document; csv: a zip of one CSV per section'),
});

/**
 * `GET /api/export` over the sections this process holds: every service's in the all-in-one,
 * finance's own when it runs alone (ADR 0013).
 */
export function registerExportRoute(app: HttpApp, options: { sections: readonly ExportSection[]; clock: Clock }) {
  app.get(
    '/api/export',
    {
      config: {
        auth: 'user' as const,
        download: {
          description: 'Your data, sent as an attachment',
          content: {
            'application/json': { schema: exportDocument },
            'application/zip': { schema: z.string().meta({ format: 'binary', description: 'One CSV file per section' }) },
          },
        },
      },
      schema: {
        tags: ['export'],
        summary: 'All of your data, streamed: one JSON document with a format version, or a zip of CSV files (?format=csv)',
        querystring: exportQuery,
      },
    },
    async (request, reply) => {
      const userId = requireUser(request).id;
      const day = options.clock.now().toISOString().slice(0, 10);
      if (request.query.format === 'csv') {
        void reply.header('content-type', 'application/zip').header('content-disposition', `attachment; filename="expensio-export-${day}.zip"`);
        return reply.send(Readable.from(csvZipExport(options.sections, userId)));
      }
      void reply.header('content-type', 'application/json; charset=utf-8').header('content-disposition', `attachment; filename="expensio-export-${day}.json"`);
      return reply.send(Readable.from(jsonExport(options.sections, { userId, exportedAt: options.clock.now() })));
    },
  );
}
