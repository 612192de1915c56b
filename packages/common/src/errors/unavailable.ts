/**
 * Socket-level failures: the server (PostgreSQL, Redis, a peer) could not be reached or dropped
 * the connection. Nothing about the request was wrong, and trying again later can succeed.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL's SQLSTATEs for a server going away or refusing new work: class 08 (connection
 * exception), 57P01-57P03 (shut down, crashed, cannot connect now) and 53300 (too many connections).
 */
const POSTGRES_CODES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300']);

/**
 * Failures that node-postgres and ioredis report by message alone, without a code: a socket
 * closed under a query, a pool that could not connect in time, a client given up after retries.
 */
const MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Connection is closed\.$/,
  /^Reached the max retries per request limit/,
  /^Stream isn't writeable/,
];

function isUnavailableHere(error: object): boolean {
  const code = 'code' in error ? error.code : undefined;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_CODES.has(code))) return true;
  if (error instanceof Error && error.name === 'MaxRetriesPerRequestError') return true;
  return error instanceof Error && MESSAGES.some((re) => re.test(error.message));
}

/**
 * Whether an error means a dependency is out of reach rather than a bug: the HTTP layer answers
 * 503 with `Retry-After` for these instead of 500. Follows `cause` and an AggregateError's errors
 * (a connect to several addresses fails with one per address).
 */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  if (isUnavailableHere(error)) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isDependencyUnavailable(e, depth + 1))) return true;
  return 'cause' in error && isDependencyUnavailable(error.cause, depth + 1);
}
