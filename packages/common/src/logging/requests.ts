/**
 * A request as it may be logged. The API refuses credentials in a URL, but a client can still put
 * them there (`?access_token=`, a reset link's `?code=`), and the URL is logged before anything
 * refuses it: their values are replaced before the URL reaches a log line.
 */

export const REDACTED = '[redacted]';

/** Parameter names (lower case, without `_`, `-`, `.` and brackets) whose value is a credential. */
const SECRET_NAMES = new Set(['code', 'key', 'sig', 'pwd', 'pass', 'otp', 'jwt', 'auth', 'authorization', 'session', 'sessionid', 'sid', 'hash']);
/** Parts of a name that make it one: `access_token`, `refreshToken`, `newPassword`, `api_key`, `X-Amz-Signature`. */
const SECRET_PARTS = [
  'token',
  'password',
  'passwd',
  'secret',
  'signature',
  'apikey',
  'privatekey',
  'credential',
  'otpcode',
  'authcode',
  'resetcode',
  'verificationcode',
];

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

export function isSecretParameter(rawName: string): boolean {
  const name = decodeName(rawName)
    .toLowerCase()
    .replace(/[\s_.[\]-]/g, '');
  return SECRET_NAMES.has(name) || SECRET_PARTS.some((part) => name.includes(part));
}

/** The URL with every secret query value replaced; the path and the other parameters are kept as sent. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return equals !== -1 && isSecretParameter(name) ? `${name}=${REDACTED}` : pair;
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
