import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import multipart, { type Multipart } from '@fastify/multipart';
import { z } from 'zod';
import { AppError, ValidationError, fieldError, requireUser, type HttpApp } from '@expensio/common';
import type { FastifyRequest } from 'fastify';
import type { FinanceContext } from '../context.js';
import type { Answer } from '../shared/idempotency.js';
import { answerFor, bufferedBody, idempotency } from '../shared/idempotent-route.js';
import { IMPORT_FORMATS, importMappingSchema, parseMapping, type ImportFormat, type ReadOptions } from './formats/index.js';
import { idParams } from '../shared/http.js';
import { importQuery, importReportSchema, savedMappingSchema } from './schemas.js';
import { clearMapping, readSavedMapping, saveMapping, type SavedMapping } from './saved-mapping.js';
import { ImportTooLargeError, importMaxBytes, importTransactions, limitBytes, type ImportReport } from './service.js';

const CSV_TYPES = ['text/csv', 'application/csv'];
/** Raw bodies the route reads: the format is then detected from the content, or named by `format`. */
const FILE_TYPES = [
  ...CSV_TYPES,
  'text/plain',
  'text/tab-separated-values',
  'application/x-ofx',
  'application/vnd.intu.qfx',
  'application/x-qfx',
  'application/qif',
  'application/x-qif',
  'application/xml',
  'text/xml',
  'application/octet-stream',
];
/** Room for the multipart envelope (boundaries, part headers, small fields) around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;

class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super(415, 'unsupported_media_type', 'Unsupported Media Type', {
      detail: `Send the file as multipart/form-data (field "file") or as a raw body of type ${FILE_TYPES.join(', ')}`,
    });
  }
}

function partError(message: string, field = 'file'): ValidationError {
  return new ValidationError(message, [{ field, in: 'body', message, code: 'invalid_multipart' }]);
}

/** Reading a stream without ever destroying it: the answer still has to go out on its socket. */
function readOnly(stream: Readable): AsyncIterable<Buffer | string> {
  return stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>;
}

function pickAccount(fromQuery: string | undefined, fromField: string | undefined): string | undefined {
  if (fromField !== undefined && !z.uuid().safeParse(fromField).success) throw fieldError('accountId', 'accountId must be an id (UUID)');
  if (fromQuery !== undefined && fromField !== undefined && fromQuery !== fromField) {
    throw fieldError('accountId', 'accountId is given twice (query and form field) with different values');
  }
  return fromField ?? fromQuery;
}

/** `format` and `mapping` from the query or a form field (not both, unless equal). */
function readOptions(query: { format?: ImportFormat | undefined; mapping?: string | undefined }, fields: Map<string, string> = new Map()): ReadOptions {
  const options: ReadOptions = {};
  const format = fields.get('format');
  if (format !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(format))
    throw fieldError('format', `format must be one of ${IMPORT_FORMATS.join(', ')}`);
  if (format !== undefined && query.format !== undefined && format !== query.format)
    throw fieldError('format', 'format is given twice (query and form field) with different values');
  options.format = (format as ImportFormat | undefined) ?? query.format;
  const mapping = fields.get('mapping');
  if (mapping !== undefined && query.mapping !== undefined) throw fieldError('mapping', 'mapping is given twice (query and form field)');
  if (mapping !== undefined) options.mapping = parseMapping(mapping, 'body');
  else if (query.mapping !== undefined) options.mapping = parseMapping(query.mapping, 'querystring');
  return options;
}

/**
 * multipart/form-data: optional `accountId`, `format` and `mapping` fields, then the `file` field. The fields after the
 * file are read inside the import's transaction, so a late `accountId` or a second file still
 * refuses the whole request rather than importing into the wrong account.
 */
async function importMultipart(
  ctx: FinanceContext,
  userId: string,
  parts: AsyncIterableIterator<Multipart>,
  query: z.infer<typeof importQuery>,
  maxBytes: number,
  answer: Answer<ImportReport> | undefined,
): Promise<ImportReport> {
  const fields = new Map<string, string>();
  for (let next = await parts.next(); next.done !== true; next = await parts.next()) {
    const part = next.value;
    if (part.type === 'field') {
      if (['accountId', 'format', 'mapping'].includes(part.fieldname)) fields.set(part.fieldname, String(part.value));
      continue;
    }
    if (part.fieldname !== 'file') {
      part.file.resume();
      throw partError(`The CSV goes in the form field "file", not "${part.fieldname}"`);
    }
    const file = part.file;
    try {
      return await importTransactions(
        ctx,
        userId,
        {
          accountId: pickAccount(query.accountId, fields.get('accountId')),
          csv: limitBytes(readOnly(file), maxBytes),
          read: readOptions(query, fields),
          dryRun: query.dryRun === 'true',
          allowDuplicates: query.allowDuplicates === 'true',
          finish: async () => {
            for (let rest = await parts.next(); rest.done !== true; rest = await parts.next()) {
              if (rest.value.type === 'file') {
                rest.value.file.resume();
                throw partError('Send one file per import');
              }
              if (['accountId', 'format', 'mapping'].includes(rest.value.fieldname))
                throw partError(`Put the ${rest.value.fieldname} field before the file`, rest.value.fieldname);
            }
          },
        },
        answer,
      );
    } finally {
      // Whatever was left of the upload is drained, so the request ends and the answer is sent.
      file.resume();
    }
  }
  throw partError('The form has no "file" field with the CSV');
}

/**
 * With an Idempotency-Key the upload was read and hashed before the handler (the key is claimed
 * before anything is parsed), and @fastify/multipart reads the raw request: it reads this copy.
 */
function replayRaw(request: FastifyRequest, body: Buffer): void {
  const original = request.raw;
  const copy = Object.assign(Readable.from([body]), { headers: original.headers, socket: original.socket });
  (request as { raw: IncomingMessage }).raw = copy as unknown as IncomingMessage;
}

const toSavedMappingView = (saved: SavedMapping) => ({ accountId: saved.accountId, mapping: saved.mapping, updatedAt: saved.updatedAt.toISOString() });

function savedMappingRoutes(app: HttpApp, ctx: FinanceContext) {
  const path = '/api/accounts/:id/import-mapping';
  const tags = ['accounts'];
  const config = { auth: 'user' as const };
  app.get(
    path,
    { config, schema: { tags, summary: 'The CSV mapping saved for the account (404 when none is)', params: idParams, response: { 200: savedMappingSchema } } },
    async (request) => toSavedMappingView(await readSavedMapping(ctx, requireUser(request).id, request.params.id)),
  );
  app.put(
    path,
    {
      config,
      schema: {
        tags,
        summary: 'Save a CSV mapping for the account',
        description:
          'The same object as the import’s `mapping`. An import into this account that comes without a mapping reads its file this way (the answer’s `notes` says so); one that names a mapping uses that one.',
        params: idParams,
        body: importMappingSchema,
        response: { 200: savedMappingSchema },
      },
    },
    async (request) => toSavedMappingView(await saveMapping(ctx, requireUser(request).id, request.params.id, request.body)),
  );
  app.delete(
    path,
    { config, schema: { tags, summary: 'Forget the account’s saved CSV mapping', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await clearMapping(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );
}

export function importRoutes(app: HttpApp, ctx: FinanceContext) {
  savedMappingRoutes(app, ctx);
  // Multipart parsing and the text/csv body parser exist for this route only.
  void app.register(async (scope: HttpApp) => {
    // A second file is refused by the route itself (400), not by a parser limit (413).
    await scope.register(multipart, { limits: { fields: 10, parts: 20, fieldSize: 8 * 1024 } });
    scope.addContentTypeParser(FILE_TYPES, (_request, payload, done) => {
      done(null, payload);
    });

    scope.post(
      '/api/transactions/import',
      {
        config: { auth: 'user', problems: { 413: 'The file is larger than IMPORT_MAX_BYTES (`import_too_large`)' } },
        schema: {
          tags: ['transactions'],
          summary: 'Import transactions from a bank file (CSV, OFX/QFX, QIF, CAMT.053)',
          description: [
            'Send the file as multipart/form-data (field `file`, optional fields `accountId`, `format` and `mapping` before it) or as a raw body (`text/csv`, `application/x-ofx`, `application/xml`, `text/plain`, ...; account, format and mapping in the query).',
            'The format (`csv`, `ofx` for OFX/QFX 1.x SGML and 2.x XML, `qif`, `camt053`) is detected from the content unless `format` names it; the encoding is UTF-8 (with or without BOM) or, when the bytes are not UTF-8, Windows-1252.',
            'CSV: the delimiter (`,` `;` tab `|`) is detected; columns are found by header name in English, German, French or Spanish (`Transaction Date`, `Buchungstag`, `Libellé`, `Importe`, `Debit`/`Credit`, ...) or named by `mapping`, and the date order and decimal mark are inferred from the whole column (`notes` says what was guessed).',
            'In Expensio’s own layout (`date` and `amount` headers), `type` (income|expense), `category` (slug or id) and `tags` (separated by `;`) are read too; `currency` must be the account’s.',
            'Without a `type`, a negative amount is an expense and a positive one income.',
            'A row equal to a transaction of the account (same day in your time zone, type, amount and description), or to an earlier row of the file, is skipped as a duplicate, unless `allowDuplicates=true` imports such twins on purpose.',
            'A bad row is rejected with its line, field and reason, and the rest is imported; a broken file (not CSV, no header, too large) writes nothing.',
            'The answer names each duplicate with the transaction (or earlier row) it repeats, and lists every row’s fate in file order (`outcomes`). With `dryRun=true` it says all that without writing anything.',
          ].join(' '),
          consumes: ['multipart/form-data', ...FILE_TYPES],
          querystring: importQuery,
          headers: z.object({ 'idempotency-key': z.string().optional() }),
          response: { 200: importReportSchema },
        },
        ...idempotency(ctx, 'transactions.import', {
          maxBytes: () => importMaxBytes(ctx) + MULTIPART_OVERHEAD,
          tooLarge: () => new ImportTooLargeError(importMaxBytes(ctx)),
        }),
      },
      async (request) => {
        const userId = requireUser(request).id;
        const maxBytes = importMaxBytes(ctx);
        const declared = Number(request.headers['content-length'] ?? 0);
        if (declared > maxBytes + (request.isMultipart() ? MULTIPART_OVERHEAD : 0)) throw new ImportTooLargeError(maxBytes);

        const answer = answerFor(request, (report: ImportReport) => ({ status: 200, body: report }));
        if (request.isMultipart()) {
          const buffered = bufferedBody(request);
          if (buffered !== undefined) replayRaw(request, buffered);
          const parts = request.parts({ limits: { fileSize: maxBytes + 1 } });
          return importMultipart(ctx, userId, parts, request.query, maxBytes, answer);
        }
        const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (!FILE_TYPES.includes(contentType)) {
          if (request.body === undefined || request.body === null)
            throw partError('Send a file: multipart/form-data with a "file" field, or a raw body such as text/csv');
          throw new UnsupportedMediaTypeError();
        }
        // An empty body never reaches the parser: it is an empty file, refused as such.
        const body = request.body instanceof Readable ? readOnly(request.body) : Readable.from([]);
        const read = readOptions(request.query);
        return importTransactions(
          ctx,
          userId,
          {
            accountId: request.query.accountId,
            csv: limitBytes(body, maxBytes),
            read,
            dryRun: request.query.dryRun === 'true',
            allowDuplicates: request.query.allowDuplicates === 'true',
          },
          answer,
        );
      },
    );
  });
}
