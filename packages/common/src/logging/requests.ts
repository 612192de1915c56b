/**
 * A request as it may be logged. A query can hold a credential a client put there
 * (`?access_token=`, a reset link's `?code=`) or what a person searched their money for
 * (`?text=`, `?email=`), and the URL is logged before anything refuses it: every query value is
 * replaced before the URL reaches a log line; the names stay, which is what debugging needs.
 */

export const REDACTED = '[redacted]';

/** The URL with every query value replaced; the path and the parameter names are kept as sent. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals === -1 ? pair : `${pair.slice(0, equals)}=${REDACTED}`;
    })
    .join('&');
  return `${url.slice(0, queryStart)}?${query}`;
}

interface RequestLike {
  method?: unknown;
  url?: unknown;
  host?: unknown;
  ip?: unknown;
  headers?: Record<string, unknown>;
  socket?: { remoteAddress?: unknown; remotePort?: unknown } | null;
}

/**
 * pino's `req` serializer. A request object (Fastify's, or Node's) is logged as Fastify logs it
 * (method, url, host, client address); a plain object someone logged under `req` keeps its fields.
 * Either way, with its URL redacted.
 */
export function serializeRequest(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const request = value as RequestLike;
  const url = typeof request.url === 'string' ? redactUrl(request.url) : request.url;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) return { ...request, url };
  return {
    method: request.method,
    url,
    host: request.host ?? request.headers?.host,
    remoteAddress: request.ip ?? request.socket?.remoteAddress,
    remotePort: request.socket?.remotePort,
  };
}
