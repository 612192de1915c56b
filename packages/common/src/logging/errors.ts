/**
 * What of an error may reach a log line. Errors carry more than their message: PGlite's carry the
 * statement and its parameters (a password hash, a webhook secret), PostgreSQL's `detail` and
 * `where` quote the row's values ("Key (email)=(ada@example.com) already exists"), and Kysely's
 * NoResultError holds the query tree with its values. So an error is logged field by field from a
 * list of fields known to be safe, never by copying what it happens to hold.
 */

/** The fields PostgreSQL (and PGlite) fill with names from the schema, never with data. */
const DATABASE_IDENTIFIER_FIELDS = ['schema', 'table', 'column', 'dataType', 'constraint'] as const;
const MAX_DEPTH = 5;
const SQLSTATE_RE = /^[0-9A-Z]{5}$/;
const QUOTED_RE = /"[^"]*"/g;

type ErrorLike = Error & Record<string, unknown>;

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  statusCode?: number;
  severity?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  routine?: string;
  errno?: number;
  syscall?: string;
  address?: string;
  port?: number;
  cause?: SerializedError | string;
  errors?: (SerializedError | string)[];
}

function isErrorLike(value: unknown): value is ErrorLike {
  return value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string');
}

/** An error answered by the PostgreSQL server, through node-postgres or PGlite (both classes share the shape). */
export function isDatabaseError(error: unknown): error is ErrorLike & { code: string; severity: string } {
  return isErrorLike(error) && typeof error.severity === 'string' && typeof error.code === 'string' && SQLSTATE_RE.test(error.code);
}

/**
 * The message of an error as it may be logged or stored. A database message quotes values
 * (`invalid input syntax for type uuid: "…"`) as well as names (`unique constraint "users_email_key"`):
 * only the quoted names the server also reports in its identifier fields are kept.
 */
export function safeErrorMessage(error: unknown): string {
  if (!isErrorLike(error)) return String(error);
  if (!isDatabaseError(error)) return error.message;
  const identifiers = new Set(DATABASE_IDENTIFIER_FIELDS.map((field) => error[field]).filter((value) => typeof value === 'string'));
  return error.message.replace(QUOTED_RE, (quoted) => (identifiers.has(quoted.slice(1, -1)) ? quoted : '"…"'));
}

/** The stack's frames under a safe first line: the stack's own first line repeats the raw message. */
function safeStack(error: ErrorLike, type: string, message: string): string | undefined {
  if (typeof error.stack !== 'string') return undefined;
  if (!isDatabaseError(error)) return error.stack;
  const frames = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
  return [`${type}: ${message}`, ...frames].join('\n');
}

function errorType(error: ErrorLike): string {
  // PGlite's class name is minified ("O"); one name for both drivers reads better in a log.
  if (isDatabaseError(error)) return 'DatabaseError';
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  return typeof constructorName === 'string' && constructorName !== '' && constructorName !== 'Object' ? constructorName : error.name;
}

function fieldsOf<T extends 'string' | 'number'>(error: ErrorLike, fields: readonly string[], kind: T): Record<string, T extends 'string' ? string : number> {
  return Object.fromEntries(fields.filter((field) => typeof error[field] === kind).map((field) => [field, error[field]])) as Record<
    string,
    T extends 'string' ? string : number
  >;
}

function serialize(value: unknown, depth: number, seen: Set<unknown>): SerializedError | string {
  if (!isErrorLike(value)) return typeof value === 'string' ? value : `[${typeof value}]`;
  if (seen.has(value) || depth > MAX_DEPTH) return '[cause omitted]';
  seen.add(value);
  const type = errorType(value);
  const message = safeErrorMessage(value);
  const stack = safeStack(value, type, message);
  const serialized: SerializedError = {
    type,
    message,
    ...(stack !== undefined && { stack }),
    ...((typeof value.code === 'string' || typeof value.code === 'number') && { code: value.code }),
    ...(typeof value.statusCode === 'number' && { statusCode: value.statusCode }),
    ...(typeof value.status === 'number' && value.statusCode === undefined && { statusCode: value.status }),
    // Node's system errors (ECONNREFUSED and the like): where a connection went, not what it carried.
    ...fieldsOf(value, ['syscall', 'address'], 'string'),
    ...fieldsOf(value, ['errno', 'port'], 'number'),
  };
  if (isDatabaseError(value)) {
    Object.assign(serialized, fieldsOf(value, ['severity', 'routine', ...DATABASE_IDENTIFIER_FIELDS], 'string'));
  }
  if (value.cause !== undefined) serialized.cause = serialize(value.cause, depth + 1, seen);
  if (Array.isArray(value.errors)) serialized.errors = (value.errors as unknown[]).map((inner) => serialize(inner, depth + 1, seen));
  return serialized;
}

/** pino's `err` serializer: safe fields only, causes and aggregated errors followed the same way. */
export function serializeError(value: unknown): unknown {
  return isErrorLike(value) ? serialize(value, 0, new Set()) : value;
}
