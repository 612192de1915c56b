import { z } from 'zod';
import { NotFoundError, requireUser, type HttpApp } from '@expensio/common';
import type { IdentityContext } from '../context.js';
import { findUserById } from './repo.js';
import { nameSchema, timeZoneSchema, toUserView, userSchema } from './schemas.js';
import { updateProfile } from './service.js';

/** Only what a user may change about themselves; role, ids and flags are rejected by name. */
const profilePatch = z.strictObject({ name: nameSchema.nullable().optional(), timeZone: timeZoneSchema.optional() });

export function profileRoutes(app: HttpApp, ctx: IdentityContext) {
  const tags = ['profile'];

  app.get('/api/auth/profile', { config: { auth: 'user' }, schema: { tags, summary: 'Your profile', response: { 200: userSchema } } }, async (request) => {
    const user = await findUserById(ctx.db, requireUser(request).id);
    if (!user) throw new NotFoundError('This account no longer exists', 'user_not_found');
    return toUserView(user);
  });

  app.patch(
    '/api/auth/profile',
    { config: { auth: 'user' }, schema: { tags, summary: 'Change your profile', body: profilePatch, response: { 200: userSchema } } },
    async (request) => toUserView(await updateProfile(ctx, requireUser(request).id, request.body)),
  );
}
