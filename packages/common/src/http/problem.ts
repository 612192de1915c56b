import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, isDependencyUnavailable, ServiceUnavailableError, type FieldError } from '../errors/index.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: FieldError[];
}

function problemType(code: string): string {
  return `urn:expensio:problem:${code}`;
}

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}

function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  problem: Omit<ProblemDocument, 'type' | 'instance' | 'requestId'>,
  extensions: Record<string, unknown> = {},
) {
  const body: ProblemDocument & Record<string, unknown> = {
    ...extensions,
    type: problemType(problem.code),
    ...problem,
    instance: pathOf(request),
    requestId: request.id,
  };
  return reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** A custom Zod check may name its own stable code (`params: { code }`); others keep Zod's. */
function issueCode(issue: { keyword: string; params: Record<string, unknown> }): string {
  const custom = issue.params.params;
  if (typeof custom === 'object' && custom !== null && 'code' in custom && typeof custom.code === 'string') return custom.code;
  return issue.keyword;
}

function validationErrors(error: FastifyError): FieldError[] {
  const location = error.validationContext ?? 'body';
  return (error.validation ?? []).flatMap((issue) => {
    const field = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    // A strict object names the keys it does not know on itself: each becomes its own field, so a
    // client sees `role`, not the whole body, as what to take out.
    const unknownKeys = issue.keyword === 'unrecognized_keys' ? issue.params.keys : undefined;
    if (Array.isArray(unknownKeys) && unknownKeys.length > 0) {
      return unknownKeys.map((key) => ({
        field: field === '' ? String(key) : `${field}.${String(key)}`,
        in: location,
        message: 'is not a field of this request',
        code: 'unrecognized_keys',
      }));
    }
    return [{ field: field === '' ? location : field, in: location, message: issue.message ?? 'is invalid', code: issueCode(issue) }];
  });
}

/** The project's code and title for a framework error of each status. */
const FRAMEWORK_PROBLEMS: Partial<Record<number, { code: string; title: string }>> = {
  400: { code: 'bad_request', title: 'Bad Request' },
  404: { code: 'route_not_found', title: 'Not Found' },
  405: { code: 'method_not_allowed', title: 'Method Not Allowed' },
  406: { code: 'not_acceptable', title: 'Not Acceptable' },
  411: { code: 'length_required', title: 'Length Required' },
  413: { code: 'payload_too_large', title: 'Content Too Large' },
  415: { code: 'unsupported_media_type', title: 'Unsupported Media Type' },
};

/**
 * Every error leaves as problem+json. Client mistakes keep their message; anything unexpected is
 * logged with its request id and answered without internals.
 */
export function problemErrorHandler(error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
    if (error.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(
      reply,
      request,
      {
        title: error.title,
        status: error.status,
        code: error.code,
        ...(error.detail !== undefined && { detail: error.detail }),
        ...(error.errors !== undefined && { errors: error.errors }),
      },
      error.extensions,
    );
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors = validationErrors(error);
    return sendProblem(reply, request, {
      title: 'Invalid request',
      status: 400,
      code: 'validation_failed',
      detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      errors,
    });
  }
  const statusCode = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (statusCode >= 400 && statusCode < 500) {
    const raw = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    const known = FRAMEWORK_PROBLEMS[statusCode];
    // Fastify's own codes (FST_ERR_...) are internals: clients get the project's codes instead.
    const framework = raw === undefined || raw.startsWith('FST_');
    const code =
      statusCode === 400 && raw?.toLowerCase().includes('json') ? 'malformed_json' : framework ? (known?.code ?? 'request_refused') : raw.toLowerCase();
    return sendProblem(reply, request, { title: known?.title ?? 'Request refused', status: statusCode, code, detail: error.message });
  }
  if (isDependencyUnavailable(error)) {
    // The database or Redis is out of reach: the client may retry, and it is not a bug of ours.
    return problemErrorHandler(
      new ServiceUnavailableError('A service this request needs is unavailable; try again shortly.', 'dependency_unavailable', { cause: error }),
      request,
      reply,
    );
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, request, {
    title: 'Internal Server Error',
    status: 500,
    code: 'internal_error',
    detail: 'Something went wrong on our side. Quote the request id when reporting it.',
  });
}

/** Fastify's codes for what it refuses before any route runs, as the project names them. */
const PRE_ROUTING_PROBLEMS: Partial<Record<string, { status: number; code: string; title: string; detail: string }>> = {
  FST_ERR_BAD_URL: { status: 400, code: 'bad_url', title: 'Bad Request', detail: 'The path is not a valid URL component' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long', title: 'URI Too Long', detail: 'A path parameter is longer than 100 characters' },
};

/**
 * Fastify's `frameworkErrors`: a URL the router cannot decode, or a path parameter over its length
 * limit, is refused before routing, so no hook has run. Without this Fastify answers with its own
 * JSON (`FST_ERR_...`, and the whole path echoed back); with it, the same problem+json as any other
 * refusal, with the request id in the header too.
 */
export function preRoutingErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('x-request-id', request.id);
  const known = PRE_ROUTING_PROBLEMS[error.code];
  void (known === undefined ? problemErrorHandler(error, request, reply) : sendProblem(reply, request, known));
}

/**
 * No route matched the method and path. When the path has routes for other methods the answer is
 * 405 with `Allow` naming them (RFC 9110 §15.5.6), so a client learns it used the wrong method
 * rather than a wrong address; otherwise 404.
 */
export function notFoundHandler(allowedMethods: (path: string) => readonly string[]) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(request);
    const allowed = allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      void reply.header('allow', allowed.join(', '));
      return sendProblem(reply, request, {
        title: 'Method Not Allowed',
        status: 405,
        code: 'method_not_allowed',
        detail: `${path} answers ${allowed.join(', ')}, not ${request.method}`,
      });
    }
    return sendProblem(reply, request, { title: 'Not Found', status: 404, code: 'route_not_found', detail: `No route ${request.method} ${path}` });
  };
}
