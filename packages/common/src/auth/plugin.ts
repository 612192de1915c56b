import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, UnauthorizedError } from '../errors/index.js';
import { enforceScopes } from './scopes.js';
import type { AccessTokenVerifier, AuthUser, Role } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthUser | null;
  }
  interface FastifyContextConfig {
    /** Who may call the route: any signed-in user, or only admins. Unset means public. */
    auth?: Role;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** The verified caller of a route declared with `config.auth`. */
export function requireUser(request: FastifyRequest): AuthUser {
  if (request.user === null) throw new UnauthorizedError();
  return request.user;
}

/**
 * Routes say who may call them (`config: { auth: 'user' | 'admin' }`); the token is checked before
 * the body is even parsed, so an anonymous caller learns nothing from validation messages. A
 * personal access token is also held to its scopes here, by the route's URL and method.
 */
export const authPlugin = fp<{ verify: AccessTokenVerifier }>(
  (app, { verify }, done) => {
    app.decorateRequest('user', null);

    app.addHook('onRoute', (route) => {
      if (route.config?.auth === undefined) return;
      route.schema = { ...(route.schema ?? {}), security: [{ bearerAuth: [] }] };
    });

    app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
      const required = request.routeOptions.config.auth;
      if (required === undefined) return;
      const token = bearerToken(request);
      if (token === undefined) throw new UnauthorizedError('A Bearer access token is required', 'missing_token');
      const user = await verify(token);
      enforceScopes(user.scopes, { url: request.routeOptions.url, method: request.method });
      if (required === 'admin' && user.role !== 'admin') throw new ForbiddenError('This needs the admin role', 'admin_only');
      request.user = user;
    });
    done();
  },
  { name: 'expensio-auth' },
);
