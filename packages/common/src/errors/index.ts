export {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UNAVAILABLE_RETRY_AFTER_SECONDS,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
  fieldError,
  type AppErrorOptions,
  type FieldError,
} from './app-error.js';
export { isDependencyUnavailable } from './unavailable.js';
