import { z } from 'zod';
import {
  isWellFormedPersonalAccessToken,
  invalidPersonalAccessToken,
  patIntrospectionSchema,
  PAT_INTROSPECTION_PATH,
  requireUser,
  type HttpApp,
} from '@expensio/common';
import type { IdentityContext } from '../context.js';
import { createdPatSchema, createPatBody, introspectBody, patIdParams, patSchema, toPatView } from './schemas.js';
import { createPat, listOwnPats, resolvePat, revokePat } from './service.js';

const tags = ['auth'];
// Under /api/auth, so the auth guard refuses personal access tokens here: only a signed-in session manages them.
const config = { auth: 'user' } as const;

export function patRoutes(app: HttpApp, ctx: IdentityContext) {
  app.post(
    '/api/auth/tokens',
    {
      config,
      schema: {
        tags,
        summary: 'Create a personal access token for scripts',
        description: 'The token is in this answer only. Send it as `Authorization: Bearer exp_pat_…`; every request with it is held to its scopes.',
        body: createPatBody,
        response: { 201: createdPatSchema },
      },
    },
    async (request, reply) => {
      const { row, token } = await createPat(ctx, requireUser(request), request.body);
      return reply.status(201).send({ id: row.id, name: row.name, scopes: row.scopes, expiresAt: row.expires_at.toISOString(), token });
    },
  );

  app.get(
    '/api/auth/tokens',
    {
      config,
      schema: { tags, summary: 'Your personal access tokens (never the tokens themselves)', response: { 200: z.object({ items: z.array(patSchema) }) } },
    },
    async (request) => ({ items: (await listOwnPats(ctx, requireUser(request))).map(toPatView) }),
  );

  app.delete(
    '/api/auth/tokens/:id',
    { config, schema: { tags, summary: 'Revoke a personal access token, at once', params: patIdParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await revokePat(ctx, requireUser(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}

/**
 * For finance and realtime when they run apart from identity. Outside /api, so the ingress does not
 * route it; it tells the holder of a token only what the token itself already lets them learn.
 */
export function patIntrospectionRoute(app: HttpApp, ctx: IdentityContext) {
  app.post(PAT_INTROSPECTION_PATH, { schema: { hide: true, body: introspectBody, response: { 200: patIntrospectionSchema } } }, async (request) => {
    const { token } = request.body;
    if (!isWellFormedPersonalAccessToken(token)) throw invalidPersonalAccessToken();
    const user = await resolvePat(ctx, token);
    return { userId: user.id, role: user.role, tokenId: user.jti, scopes: [...(user.scopes ?? [])], expiresAt: user.expiresAt.toISOString() };
  });
}
