import { z } from 'zod';

/**
 * The check every PATCH body carries (`z.strictObject({...}).check(changesSomething)`): `{}` changes
 * nothing, so it is a 400 naming the body rather than an UPDATE with nothing to set, which the
 * database refuses as a syntax error (a 500).
 */
export const changesSomething = z.refine<object>((body) => Object.keys(body).length > 0, { message: 'name at least one field to change' });
