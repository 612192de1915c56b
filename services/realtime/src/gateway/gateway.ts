import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { AccessTokenVerifier } from '@expensio/common';
import type { RealtimeContext } from '../context.js';
import { handleAdminRoom } from './admin-room.js';
import { authenticateHandshake } from './auth.js';
import type { GatewaySettings } from './config.js';
import { GATEWAY_CONSUMER, GATEWAY_EVENT_TYPES, userRoom, type GatewayServer } from './protocol.js';
import { pushEvent } from './push.js';
import { endAtExpiry, recheckPeriodically } from './sessions.js';

export interface GatewayOptions {
  /** The verifier the HTTP API uses: identity's own in the all-in-one, identity's JWKS and Redis denylist alone. */
  verify: AccessTokenVerifier;
  settings: GatewaySettings;
  /** With Redis, replicas broadcast to each other's sockets (the Socket.IO Redis adapter). */
  redis?: Redis | undefined;
  /** Prefix of the adapter's Redis channels; replicas that should see each other share it. */
  redisChannel?: string;
}

export interface Gateway {
  readonly io: GatewayServer;
  /** Serves Socket.IO at /socket.io on this HTTP server (the API's own, so they share a port). */
  attach(server: HttpServer): void;
  /**
   * Closes this process's sockets (clients reconnect, to another replica if there is one), the
   * HTTP server it is attached to, and its Redis connections.
   */
  close(): Promise<void>;
}

/** Clients send small acknowledged messages only; the handshake's token is the largest payload. */
const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * The Socket.IO gateway. Subscribes its durable consumer on creation, so create it before the
 * process starts its buses; attach it once the HTTP server exists.
 */
export function createGateway(ctx: RealtimeContext, options: GatewayOptions): Gateway {
  const { verify, settings } = options;
  const log = ctx.log.child({ component: 'gateway' });
  // The adapter's own connections: subscribed mode takes one over, and publishes must wait out a
  // Redis outage rather than reject (the adapter does not catch them, and an unhandled rejection
  // would end the process). Pushes queued meanwhile go out when Redis is back.
  const pub = options.redis?.duplicate({ maxRetriesPerRequest: null });
  const sub = options.redis?.duplicate({ maxRetriesPerRequest: null });
  for (const client of [pub, sub]) {
    // ioredis reports each failed reconnection as an 'error' event; without a listener it writes
    // them to stderr. They are logged once here, and the client keeps reconnecting.
    client?.on('error', (error: Error) => {
      log.warn({ err: error }, 'Socket.IO adapter lost Redis; reconnecting');
    });
  }
  const io: GatewayServer = new Server({
    serveClient: false,
    transports: settings.transports,
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    // Tokens travel in the handshake payload, not in cookies, so CORS is no security boundary
    // here; it follows CORS_ORIGINS so browsers see the same policy as the HTTP API.
    cors: { origin: settings.corsOrigins.length === 0 ? false : settings.corsOrigins, credentials: true },
    ...(pub && sub && { adapter: createAdapter(pub, sub, { key: options.redisChannel ?? 'expensio:socket.io' }) }),
  });

  io.use(authenticateHandshake(verify, log));
  io.on('connection', (socket) => {
    ctx.metrics.socketConnections.inc();
    socket.once('disconnect', () => {
      ctx.metrics.socketConnections.dec();
    });
    const { user } = socket.data;
    void socket.join(userRoom(user.id));
    endAtExpiry(socket, ctx.clock);
    handleAdminRoom(socket, verify, log);
  });

  let closing = false;
  ctx.bus.subscribe(GATEWAY_CONSUMER, GATEWAY_EVENT_TYPES, async (event) => {
    // Once closing, the adapter's Redis connections are gone and a push would reject where nobody
    // listens: the event is refused (not acknowledged), so it is delivered again later.
    if (closing) throw new Error('The gateway is closing');
    pushEvent(io, event);
  });

  let attached = false;
  let stopRecheck: (() => Promise<void>) | undefined;
  return {
    io,
    attach(server) {
      if (attached) throw new Error('The gateway is already attached to a server');
      attached = true;
      io.attach(server);
      stopRecheck = recheckPeriodically(io, { verify, intervalMs: settings.recheckIntervalMs, log });
    },
    async close() {
      closing = true;
      await stopRecheck?.();
      if (attached) await io.close();
      else await Promise.resolve(io.of('/').adapter.close());
      // quit, not disconnect: the adapter's (p)subscribe commands may still await their replies,
      // and disconnect would reject them where nobody listens.
      await Promise.all([pub?.quit(), sub?.quit()]);
    },
  };
}
