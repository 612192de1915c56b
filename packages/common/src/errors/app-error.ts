/** One bad input, named so a client can put the message beside the right field. */
export interface FieldError {
  /** Dotted path inside the request part, e.g. `email` or `items.0.amount`. */
  field: string;
  /** Which part of the request: body, querystring, params or headers. */
  in: string;
  message: string;
  code: string;
}

export interface AppErrorOptions {
  detail?: string;
  errors?: FieldError[];
  cause?: unknown;
  headers?: Record<string, string>;
  /** RFC 9457 extension members, beside `code` in the problem document (e.g. a step-up's `challengeId`). */
  extensions?: Record<string, unknown>;
}

/**
 * The error contract: a stable machine-readable `code`, an HTTP status and a human title.
 * The HTTP layer turns it into RFC 9457 problem details; nothing else needs to know HTTP.
 */
export class AppError extends Error {
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    options: AppErrorOptions = {},
  ) {
    super(options.detail ?? title, { cause: options.cause });
    this.name = new.target.name;
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldError[] = []) {
    super(400, 'validation_failed', 'Invalid request', { detail, errors });
  }
}

/** A single-field validation failure raised by a service rule rather than a schema; `location` is the part of the request holding the field. */
export function fieldError(
  field: string,
  message: string,
  code = 'invalid',
  location: 'body' | 'querystring' | 'params' | 'headers' = 'body',
): ValidationError {
  return new ValidationError(message, [{ field, in: location, message, code }]);
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'Authentication is required', code = 'unauthorized') {
    super(401, code, 'Unauthorized', { detail, headers: { 'www-authenticate': 'Bearer' } });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'You are not allowed to do this', code = 'forbidden') {
    super(403, code, 'Forbidden', { detail });
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'Not found', code = 'not_found') {
    super(404, code, 'Not Found', { detail });
  }
}

export class ConflictError extends AppError {
  constructor(detail: string, code = 'conflict') {
    super(409, code, 'Conflict', { detail });
  }
}

export class UnprocessableError extends AppError {
  constructor(detail: string, code = 'unprocessable') {
    super(422, code, 'Unprocessable Content', { detail });
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    detail = 'Too many requests; try again later',
    code = 'rate_limited',
  ) {
    super(429, code, 'Too Many Requests', {
      detail,
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}

/** How long a client is asked to wait before trying again after a 503. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export class ServiceUnavailableError extends AppError {
  constructor(detail = 'A dependency is unavailable', code = 'unavailable', options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(503, code, 'Service Unavailable', {
      detail,
      cause: options.cause,
      // RFC 9110 §10.2.3: a 503 may say when to come back; clients and proxies back off by it.
      headers: { 'retry-after': String(Math.max(1, Math.ceil(options.retryAfterSeconds ?? UNAVAILABLE_RETRY_AFTER_SECONDS))) },
    });
  }
}
