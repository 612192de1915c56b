import type { FastifySchema, RouteOptions } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

/** The RFC 9457 body every error answer carries (see problem.ts): one component, referenced by every operation. */
export const problemSchema = z
  .object({
    type: z.string().describe('`urn:expensio:problem:<code>`'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().describe('The request path'),
    code: z.string().describe('Stable, machine-readable reason, e.g. `validation_failed`, `not_found`, `rate_limited`'),
    requestId: z.string().describe('Quote it when reporting a problem; also in the `x-request-id` header'),
    errors: z
      .array(z.object({ field: z.string(), in: z.string().describe('body, querystring, params or headers'), message: z.string(), code: z.string() }))
      .optional()
      .describe('One entry per bad field'),
  })
  .meta({
    id: 'Problem',
    examples: [
      {
        type: 'urn:expensio:problem:validation_failed',
        title: 'Invalid request',
        status: 400,
        detail: 'amount: must be a decimal amount',
        instance: '/api/transactions',
        code: 'validation_failed',
        requestId: '3f1c2a9e-5b7d-4e8a-9c61-2d4f8b0e7a13',
        errors: [{ field: 'amount', in: 'body', message: 'must be a decimal amount', code: 'invalid_format' }],
      },
    ],
  });

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Error answers a route gives beyond those errorResponses derives from its shape, by status
     * (a public sign-in route's 401, for instance): documented only, never used to serialise.
     */
    problems?: Partial<Record<number, string>>;
    /**
     * The 200 answer of a route that streams a file (no response schema to serialise with), by
     * media type: documented only.
     */
    download?: { description: string; content: Record<string, { schema: z.ZodType }> };
  }
}

type Method = RouteOptions['method'];
type Auth = 'user' | 'admin' | undefined;

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function problem(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE.split(';')[0] ?? PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };
}

interface RouteFacts {
  method: Method;
  url: string;
  schema: FastifySchema;
  auth: Auth;
  rateLimited: boolean;
  problems?: Partial<Record<number, string>> | undefined;
}

/**
 * The error answers an operation can give, from what the route declares: its inputs, its auth, its
 * method. A route's own entry for a status wins. Written once here so no route has to repeat them.
 */
export function errorResponses({ method, url, schema, auth, rateLimited, problems = {} }: RouteFacts): Record<string, unknown> {
  const methods = Array.isArray(method) ? method : [method];
  const writes = methods.some((m) => WRITES.has(m));
  const takesBody = 'body' in schema || (schema as { consumes?: unknown }).consumes !== undefined;
  const hasInput = takesBody || ['querystring', 'params', 'headers'].some((part) => part in schema);
  const hasParams = url.includes(':');
  const responses: Record<string, unknown> = {};
  if (hasInput)
    responses['400'] = problem('Invalid request: `errors` names each bad field (`validation_failed`), or the body is not valid JSON (`malformed_json`)');
  if (auth !== undefined) responses['401'] = problem('No valid Bearer access token (missing, expired or revoked)');
  if (auth === 'user')
    responses['403'] = problem(
      'A personal access token without the scope this route needs (`insufficient_scope`), or used where only a signed-in session may act (`session_required`)',
    );
  if (auth === 'admin') responses['403'] = problem('The caller is not an admin (`admin_only`)');
  if (hasParams || writes) responses['404'] = problem('The resource, or one it refers to, does not exist or belongs to another user');
  if (writes) {
    responses['409'] = problem(
      'The change conflicts with the current state (e.g. a name or slug taken, a default account, an Idempotency-Key still in progress)',
    );
    responses['422'] = problem('Well-formed but refused by a rule (e.g. a currency mismatch, an Idempotency-Key reused with another body)');
  }
  if (hasParams) responses['414'] = problem('A path parameter is longer than the router takes (`uri_too_long`)');
  if (takesBody) responses['415'] = problem('The body is not of a media type this route reads (`unsupported_media_type`)');
  if (rateLimited) responses['429'] = problem('Too many requests from this client: wait `retry-after` seconds');
  responses['500'] = problem('Something failed on the server; quote `requestId` when reporting it');
  for (const [status, description] of Object.entries(problems)) if (description !== undefined) responses[status] = problem(description);
  return responses;
}

const BINARY_FILE = { type: 'string', format: 'binary', contentMediaType: 'text/csv', description: 'The CSV file' };
const CSV_EXAMPLE = 'date,amount,description,category\n2026-03-01,-42.50,Weekly groceries,groceries\n2026-03-02,2500.00,Salary,\n';

/**
 * A route that reads its body as a stream (multipart or a raw file) has no body schema for Fastify
 * to validate, so the document would show none and the reference page could not send a file. The
 * route lists the media types in `consumes`; the form carries a `file` part, and the route's query
 * fields may come as form fields too (the import's `accountId` does).
 */
function uploadBody(consumes: readonly string[], query: unknown): Record<string, unknown> | undefined {
  const content: Record<string, { schema: Record<string, unknown> }> = {};
  const queryFields = (query as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  for (const type of consumes) {
    if (type === 'multipart/form-data') {
      content[type] = { schema: { type: 'object', required: ['file'], properties: { ...queryFields, file: BINARY_FILE } } };
    } else if (type.endsWith('/csv')) {
      content[type] = { schema: { type: 'string', contentMediaType: 'text/csv', examples: [CSV_EXAMPLE] } };
    }
  }
  return Object.keys(content).length === 0 ? undefined : { content };
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/**
 * The swagger transform: the route's own Zod schemas, plus the error answers and upload bodies
 * above. Only the document changes: the route keeps validating and serialising as it declared.
 */
export function documentTransform(isRateLimited: (url: string) => boolean) {
  return (input: TransformInput) => {
    const { route } = input;
    // A route declared without any schema arrives without one, whatever the type says.
    const schema = input.schema as FastifySchema | undefined;
    if (schema === undefined || schema.hide === true) return jsonSchemaTransform(input);
    const auth: Auth = route.config?.auth;
    const declared = (schema.response ?? {}) as Record<string, unknown>;
    const facts = { method: route.method, url: route.url, schema, auth, rateLimited: isRateLimited(route.url), problems: route.config?.problems };
    const download = route.config?.download;
    const response = { ...errorResponses(facts), ...(download !== undefined && { 200: download }), ...declared };
    const transformed = jsonSchemaTransform({ ...input, schema: { ...schema, response } });
    const consumes = (schema as { consumes?: string[] }).consumes;
    if (consumes === undefined || schema.body !== undefined) return transformed;
    const body = uploadBody(consumes, transformed.schema.querystring);
    return body === undefined ? transformed : { ...transformed, schema: { ...transformed.schema, body } };
  };
}

/** Where the reference page and its samples send requests: the public address when one is set. */
export function documentServers(publicUrl: string | undefined) {
  if (publicUrl !== undefined) return [{ url: publicUrl.replace(/\/+$/, ''), description: 'This deployment (PUBLIC_URL)' }];
  return [{ url: '/', description: 'The host serving this document' }];
}
