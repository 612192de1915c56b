import { z } from 'zod';
import { NotFoundError, requireUser, text, type HttpApp } from '@expensio/common';
import type { IdentityContext } from '../context.js';
import { originOf } from '../http.js';
import { findUserById, listUsers } from '../users/repo.js';
import { toUserView, userSchema } from '../users/schemas.js';
import { changeUser, deleteUser } from './service.js';

const idParams = z.object({ id: z.uuid({ message: 'must be a user id (UUID)' }) });
const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.uuid().optional().describe('nextCursor from the previous page'),
  email: text().trim().min(1).max(254).optional().describe('Part of the email address'),
  role: z.enum(['user', 'admin']).optional(),
});
const userPatch = z
  .strictObject({
    role: z.enum(['user', 'admin']).optional(),
    locked: z.boolean().optional(),
    reason: text().trim().min(1).max(500).optional(),
  })
  .refine((b) => b.role !== undefined || b.locked !== undefined, { message: 'name role or locked', path: ['role'] });

export function adminRoutes(app: HttpApp, ctx: IdentityContext) {
  const tags = ['admin'];

  app.get(
    '/api/admin/users',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'List users',
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(userSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const { limit, cursor, email, role } = request.query;
      const page = await listUsers(ctx.db, { limit, after: cursor, email, role });
      return { items: page.rows.map(toUserView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/admin/users/:id',
    { config: { auth: 'admin' }, schema: { tags, summary: 'One user', params: idParams, response: { 200: userSchema } } },
    async (request) => {
      const user = await findUserById(ctx.db, request.params.id);
      if (!user) throw new NotFoundError('No such user', 'user_not_found');
      return toUserView(user);
    },
  );

  app.patch(
    '/api/admin/users/:id',
    {
      config: { auth: 'admin' },
      schema: { tags, summary: 'Change a role, or lock or unlock an account', params: idParams, body: userPatch, response: { 200: userSchema } },
    },
    async (request) => {
      const user = await changeUser(ctx, requireUser(request), request.params.id, request.body, originOf(request));
      return toUserView(user);
    },
  );

  app.delete(
    '/api/admin/users/:id',
    {
      config: { auth: 'admin' },
      schema: {
        tags,
        summary: 'Delete a user and all their data, in every service',
        description: 'Their sessions and access tokens stop working at once. Admins cannot delete themselves here (409; use DELETE /api/auth/account).',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteUser(ctx, requireUser(request), request.params.id, originOf(request));
      return reply.status(204).send(null);
    },
  );
}
