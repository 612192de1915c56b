import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import multipart, { type Multipart } from '@fastify/multipart';
import { z } from 'zod';
import { AppError, ValidationError, fieldError, requireUser, type HttpApp } from '@expensio/common';
import type { FastifyRequest } from 'fastify';
import type { FinanceContext } from '../context.js';
import type { Answer } from '../shared/idempotency.js';
import { answerFor, bufferedBody, idempotency } from '../shared/idempotent-route.js';
import { importQuery, importReportSchema } from './schemas.js';
import { ImportTooLargeError, importMaxBytes, importTransactions, limitBytes, type ImportReport } from './service.js';

const CSV_TYPES = ['text/csv', 'application/csv'];
/** Room for the multipart envelope (boundaries, part headers, small fields) around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;

class UnsupportedMediaTypeError extends AppError {
  constructor() {
    super(415, 'unsupported_media_type', 'Unsupported Media Type', { detail: 'Send the CSV as multipart/form-data (field "file") or as a text/csv body' });
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

/**
 * multipart/form-data: optional `accountId` field, then the `file` field. The fields after the
 * file are read inside the import's transaction, so a late `accountId` or a second file still
 * refuses the whole request rather than importing into the wrong account.
 */
async function importMultipart(
  ctx: FinanceContext,
  userId: string,
  parts: AsyncIterableIterator<Multipart>,
  queryAccountId: string | undefined,
  maxBytes: number,
  answer: Answer<ImportReport> | undefined,
): Promise<ImportReport> {
  let fieldAccountId: string | undefined;
  for (let next = await parts.next(); next.done !== true; next = await parts.next()) {
    const part = next.value;
    if (part.type === 'field') {
      if (part.fieldname === 'accountId') fieldAccountId = String(part.value);
      continue;
    }
    if (part.fieldname !== 'file') {
      part.file.resume();
      throw partError(`The CSV goes in the form field "file", not "${part.fieldname}"`);
    }
    const file = part.file;
    try {
      return await importTransactions(ctx, userId, {
        accountId: pickAccount(queryAccountId, fieldAccountId),
        csv: limitBytes(readOnly(file), maxBytes),
        finish: async () => {
          for (let rest = await parts.next(); rest.done !== true; rest = await parts.next()) {
            if (rest.value.type === 'file') {
              rest.value.file.resume();
              throw partError('Send one file per import');
            }
            if (rest.value.fieldname === 'accountId') throw partError('Put the accountId field before the file', 'accountId');
          }
        },
      }, answer);
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

export function importRoutes(app: HttpApp, ctx: FinanceContext) {
  // Multipart parsing and the text/csv body parser exist for this route only.
  void app.register(async (scope: HttpApp) => {
    // A second file is refused by the route itself (400), not by a parser limit (413).
    await scope.register(multipart, { limits: { fields: 10, parts: 20, fieldSize: 1024 } });
    scope.addContentTypeParser(CSV_TYPES, (_request, payload, done) => {
      done(null, payload);
    });

    scope.post(
      '/api/transactions/import',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['transactions'],
          summary: 'Import transactions from a CSV file',
          description: [
            'Send the file as multipart/form-data (field `file`, optional field `accountId` before it) or as a raw `text/csv` body (account in `?accountId=`).',
            'Columns by header name: `date` (ISO date or date-time, UTC unless an offset is given) and `amount` are required; `type` (income|expense), `description`, `category` (slug or id), `merchant`, `tags` (separated by `;`) and `currency` (must be the account’s) are optional; other columns are ignored.',
            'Without a `type`, a negative amount is an expense and a positive one income.',
            'A row equal to a transaction of the account (same UTC day, type, amount and description), or to an earlier row of the file, is skipped as a duplicate.',
            'A bad row is rejected with its line, field and reason, and the rest is imported; a broken file (not CSV, no header, too large) writes nothing.',
          ].join(' '),
          consumes: ['multipart/form-data', ...CSV_TYPES],
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
          return importMultipart(ctx, userId, parts, request.query.accountId, maxBytes, answer);
        }
        const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (!CSV_TYPES.includes(contentType)) {
          if (request.body === undefined || request.body === null) throw partError('Send a CSV file: multipart/form-data with a "file" field, or a text/csv body');
          throw new UnsupportedMediaTypeError();
        }
        // An empty body never reaches the parser: it is an empty file, refused as such.
        const body = request.body instanceof Readable ? readOnly(request.body) : Readable.from([]);
        return importTransactions(ctx, userId, { accountId: request.query.accountId, csv: limitBytes(body, maxBytes) }, answer);
      },
    );
  });
}
