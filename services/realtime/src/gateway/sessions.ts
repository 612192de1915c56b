import type { AccessTokenVerifier, Clock, Logger } from '@expensio/common';
import { authFailure, endSocket } from './auth.js';
import type { GatewayServer, GatewaySocket } from './protocol.js';

/** setTimeout's ceiling (about 24.8 days); a token living longer is left to the periodic check. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Disconnects the socket when its token expires, whatever the periodic check last saw. */
export function endAtExpiry(socket: GatewaySocket, clock: Clock): void {
  const delay = socket.data.user.expiresAt.getTime() - clock.now().getTime();
  if (delay > MAX_TIMER_MS) return;
  const timer = setTimeout(
    () => {
      endSocket(socket, { code: 'token_expired', message: 'The access token has expired' });
    },
    Math.max(0, delay),
  );
  timer.unref();
  socket.once('disconnect', () => {
    clearTimeout(timer);
  });
}

/**
 * Checks every socket of this process again, every `intervalMs`, with the same verifier as the
 * handshake: a token revoked since (logout, a revoked session, a deleted account) ends its socket
 * within one interval. Runs do not overlap; a slow one delays the next. Returns the stop function.
 */
export function recheckPeriodically(io: GatewayServer, options: { verify: AccessTokenVerifier; intervalMs: number; log: Logger }): () => Promise<void> {
  const { verify, intervalMs, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const recheck = async (socket: GatewaySocket) => {
    try {
      socket.data.user = await verify(socket.data.token);
    } catch (error) {
      const { final, ...failure } = authFailure(error);
      if (final) {
        log.debug({ userId: socket.data.user.id, code: failure.code }, 'socket disconnected: its token no longer holds');
        endSocket(socket, failure);
      } else {
        // The denylist is unreachable: keep the socket (its expiry timer still ends it) and try next time.
        log.warn({ err: error, userId: socket.data.user.id }, 'socket token could not be checked again');
      }
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = Promise.all([...io.of('/').sockets.values()].map(recheck)).then(schedule, schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
