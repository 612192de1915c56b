import type { AccessTokenVerifier, Logger } from '@expensio/common';
import { authFailure, endSocket } from './auth.js';
import { ADMIN_ROOM, type AdminRoomAnswer, type GatewaySocket } from './protocol.js';

function answer(ack: unknown, value: AdminRoomAnswer): void {
  if (typeof ack === 'function') (ack as (value: AdminRoomAnswer) => void)(value);
}

/** Never throws: an unanswered ack is all a client would see of an error. Undefined when the socket was ended. */
async function joinAdminRoom(socket: GatewaySocket, verify: AccessTokenVerifier, log: Logger): Promise<AdminRoomAnswer | undefined> {
  try {
    socket.data.user = await verify(socket.data.token);
  } catch (error) {
    const { final, ...failure } = authFailure(error);
    if (!final) return { ok: false, error: 'unavailable' };
    endSocket(socket, failure);
    return undefined;
  }
  const { user } = socket.data;
  // Like the admin API, the room is for a signed-in admin, not a script's token.
  if (user.role !== 'admin' || user.scopes !== undefined) return { ok: false, error: 'forbidden' };
  await socket.join(ADMIN_ROOM);
  log.info({ userId: user.id }, 'admin joined the security alert room');
  return { ok: true };
}

/**
 * Admins opt in to every user's security alerts with `join-admin` (acknowledged `{ ok: true }`, or
 * `{ ok: false, error: 'forbidden' }` for anyone else) and opt out with `leave-admin`. Opt-in, not
 * automatic: an admin's everyday session need not carry everyone's alerts. The token is checked
 * again on joining, so a revoked or demoted admin (a role change revokes the sessions) cannot slip
 * in before the next periodic check.
 */
export function handleAdminRoom(socket: GatewaySocket, verify: AccessTokenVerifier, log: Logger): void {
  socket.on('join-admin', (ack: unknown) => {
    void joinAdminRoom(socket, verify, log).then(
      (value) => {
        if (value !== undefined) answer(ack, value);
      },
      (error: unknown) => {
        log.error({ err: error }, 'join-admin failed');
        answer(ack, { ok: false, error: 'unavailable' });
      },
    );
  });
  socket.on('leave-admin', (ack: unknown) => {
    void Promise.resolve(socket.leave(ADMIN_ROOM)).then(() => {
      answer(ack, { ok: true });
    });
  });
}
