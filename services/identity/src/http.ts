import type { FastifyRequest } from 'fastify';
import type { RequestOrigin } from './context.js';
import type { TokenPair } from './tokens/sessions.js';
import { toUserView } from './users/schemas.js';
import type { UserRow } from './users/repo.js';

export function originOf(request: FastifyRequest): RequestOrigin {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent : null };
}

export function authResult(user: UserRow, tokens: TokenPair) {
  return { ...tokens, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt.toISOString(), user: toUserView(user) };
}
