import { ValidationError } from '@expensio/common';

/** The file as a whole cannot be read: nothing of it is imported. */
export function badFile(message: string, code = 'invalid_file'): ValidationError {
  return new ValidationError(message, [{ field: 'file', in: 'body', message, code }]);
}
