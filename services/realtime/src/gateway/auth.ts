import { AppError, SCOPE_AREAS, scopesAllow, type AccessTokenVerifier, type AuthUser, type Logger } from '@expensio/common';
import { UNAUTHORIZED_MESSAGE, type AuthFailure, type GatewaySocket } from './protocol.js';

/** A connection refused at the handshake: the client's `connect_error` carries `message` = code and `data`. */
export class HandshakeError extends Error {
  readonly data: AuthFailure;

  constructor(failure: AuthFailure) {
    super(failure.code);
    this.name = 'HandshakeError';
    this.data = failure;
  }
}

/**
 * What a verification failure means for a socket. `final` failures (the token is bad, expired or
 * revoked: a 401 over HTTP) end it; anything else (the denylist could not be read) refuses a new
 * connection, fail-closed like the HTTP API, but does not drop sockets that were fine a moment ago.
 */
export function authFailure(error: unknown): AuthFailure & { final: boolean } {
  if (error instanceof AppError) return { code: error.code, message: error.detail ?? error.title, final: error.status === 401 };
  return { code: 'internal_error', message: 'The token could not be checked', final: false };
}

/** `io(url, { auth: { token } })`: the token travels in the handshake, never in the URL (logs keep URLs). */
export function handshakeToken(auth: unknown): string | undefined {
  if (typeof auth !== 'object' || auth === null) return undefined;
  const token = (auth as { token?: unknown }).token;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}

/** The socket pushes events of every area, so a personal access token needs read access to all of them. */
function readsEverything(user: AuthUser): boolean {
  const { scopes } = user;
  return scopes === undefined || SCOPE_AREAS.every((area) => scopesAllow(scopes, area, 'read'));
}

/** The Socket.IO middleware that admits only sockets with a valid access token. */
export function authenticateHandshake(verify: AccessTokenVerifier, log: Logger) {
  return (socket: GatewaySocket, next: (error?: Error) => void): void => {
    const token = handshakeToken(socket.handshake.auth);
    if (token === undefined) {
      next(new HandshakeError({ code: 'missing_token', message: 'An access token is required: io(url, { auth: { token } })' }));
      return;
    }
    verify(token).then(
      (user) => {
        if (!readsEverything(user)) {
          next(new HandshakeError({ code: 'insufficient_scope', message: 'A personal access token needs the read (or write) scope for live events' }));
          return;
        }
        socket.data.user = user;
        socket.data.token = token;
        next();
      },
      (error: unknown) => {
        const { final, ...failure } = authFailure(error);
        if (final) log.debug({ code: failure.code }, 'socket refused');
        else log.warn({ err: error, code: failure.code }, 'socket refused: the token could not be checked');
        next(new HandshakeError(failure));
      },
    );
  };
}

/** Tells the client why, then disconnects it for good (the client does not reconnect by itself). */
export function endSocket(socket: GatewaySocket, failure: AuthFailure): void {
  socket.emit(UNAUTHORIZED_MESSAGE, failure);
  socket.disconnect(true);
}
