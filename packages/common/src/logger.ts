import { pino, type Logger, type LoggerOptions } from 'pino';
import { serializeError } from './logging/errors.js';
import { REDACTED, serializeRequest } from './logging/requests.js';
import { activeTraceIds } from './tracing/context.js';

// `code` is a secret only inside a request body (an OTP): elsewhere it is an error code worth keeping.
const SECRET_KEYS = ['password', 'currentPassword', 'newPassword', 'otp', 'token', 'accessToken', 'refreshToken', 'secret', 'privateKey'];

/**
 * Paths whose values never reach a log line: at the top of a logged object and up to three levels
 * down (`{ req: { body: { password } } }`). pino's redaction has no recursive wildcard.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
  'body.code',
  '*.body.code',
];

export interface LoggerSettings {
  /** Adds the active span's `trace_id` and `span_id` to every line (when the tracing SDK runs). */
  traceIds?: boolean;
}

export function loggerOptions(level: string, service: string, settings: LoggerSettings = {}): LoggerOptions {
  return {
    ...(settings.traceIds === true && { mixin: activeTraceIds }),
    level,
    base: { service },
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    // Fastify keeps a logger instance's own serializers over its defaults, so these also shape
    // the request and error lines Fastify writes itself.
    serializers: { err: serializeError, error: serializeError, req: serializeRequest },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(level: string, service: string, settings: LoggerSettings = {}): Logger {
  return pino(loggerOptions(level, service, settings));
}

export type { Logger };
