export * from './config/index.js';
export * from './errors/index.js';
export * from './rate-limit/index.js';
export { ManualClock, systemClock, MINUTE_MS, HOUR_MS, DAY_MS, type Clock } from './clock.js';
export * from './calendar.js';
export { newId, isUuid } from './ids.js';
export { createLogger, loggerOptions, REDACTED_PATHS, type Logger, type LoggerSettings } from './logger.js';
export { isDatabaseError, safeErrorMessage, serializeError, type SerializedError } from './logging/errors.js';
export { redactUrl, serializeRequest } from './logging/requests.js';
export { createHttpApp, httpSettings, type HttpApp, type HttpAppOptions } from './http/app.js';
export { PROBLEM_CONTENT_TYPE, problemErrorHandler, notFoundHandler, type ProblemDocument } from './http/problem.js';
export type { ReadinessCheck } from './http/health.js';
export {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  ROLES,
  createAccessTokenVerifier,
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  type AuthUser,
  type RevocationCheck,
  type Role,
} from './auth/tokens.js';
export { authPlugin, bearerToken, requireUser } from './auth/plugin.js';
export { forSchema, openDatabase, openPglite, openPostgres, type AnyKysely, type Database, type DatabaseOptions, type PoolStats } from './db/connect.js';
export { PGliteDialect } from './db/pglite-dialect.js';
export { backupDataDir, pgliteDir, restoreDataDir } from './db/backup.js';
export { DataDirInUseError, LOCK_FILE, lockDataDir, type DataDirLock } from './db/lock.js';
export {
  MigrationError,
  loadMigrations,
  migrateDown,
  migrateUp,
  migrationChecksum,
  migrationStatus,
  type Migration,
  type MigrationSet,
  type MigrationStatus,
} from './db/migrations.js';
export { runMigrationCli } from './db/cli.js';
export { decodeCursor, encodeCursor, page, pastCursor, type Page, type TimeCursor } from './db/keyset.js';
export { exitOnSignal, startLoop } from './process.js';
export { backoffDelaySql } from './backoff.js';
export { TtlCache } from './ttl-cache.js';
export * from './money/index.js';
export { DEFAULT_REVOCATION_PREFIX, jtiKey, redisRevocationCheck, sidKey } from './auth/revocation.js';
export { remoteAccessTokenVerifier, type RemoteVerifierOptions } from './auth/remote.js';
export { SCOPES, SCOPE_AREAS, accessLevelOf, enforceScopes, scopeAreaOf, scopesAllow, type AccessLevel, type Scope, type ScopeArea } from './auth/scopes.js';
export {
  PAT_PREFIX,
  generatePersonalAccessToken,
  hashPersonalAccessToken,
  invalidPersonalAccessToken,
  isPersonalAccessToken,
  isWellFormedPersonalAccessToken,
  withPersonalAccessTokens,
  type PersonalAccessTokenResolver,
} from './auth/pat.js';
export {
  PAT_CACHE_MS,
  PAT_INTROSPECTION_PATH,
  patIntrospectionSchema,
  remotePatResolver,
  type PatIntrospection,
  type RemotePatResolverOptions,
} from './auth/pat-remote.js';
export * from './events/index.js';
export * from './service/index.js';
export * from './metrics/index.js';
export * from './tracing/index.js';
export { changesSomething } from './schemas/patch.js';
export { CONTROL_CHARACTER_CODE, controlCharacterMessage, isCleanText, multilineText, text, type TextOptions } from './schemas/text.js';
export * from './export/index.js';
export * from './geo/index.js';
export { isSealed, seal, sealingKey, unseal, UnsealError } from './crypto/seal.js';
