import { z } from 'zod';
import { commaList, duration } from '@expensio/common';

export const SOCKET_TRANSPORTS = ['websocket', 'polling'] as const;
export type SocketTransport = (typeof SOCKET_TRANSPORTS)[number];

/** The gateway's variables, part of realtime's shape in every runtime. */
export const gatewayConfigShape = {
  /**
   * How often every connected socket's token is checked again: a token revoked after the
   * handshake (logout, a revoked session, a deleted account) keeps its socket at most this long.
   */
  REALTIME_RECHECK_INTERVAL: duration.refine((ms) => ms >= 1_000, 'must be at least 1s').default(30_000),
  /**
   * Socket.IO transports the gateway accepts. Behind several replicas without sticky sessions,
   * `websocket` alone (long-polling needs every request of a session on the same replica).
   */
  REALTIME_TRANSPORTS: commaList.pipe(z.array(z.enum(SOCKET_TRANSPORTS)).min(1, 'name at least one of websocket, polling')).default(['polling', 'websocket']),
};

export interface GatewaySettings {
  recheckIntervalMs: number;
  transports: SocketTransport[];
  /** Browser origins allowed to connect; empty means none (CORS_ORIGINS, as for the HTTP API). */
  corsOrigins: string[];
}

export function gatewaySettings(config: {
  REALTIME_RECHECK_INTERVAL: number;
  REALTIME_TRANSPORTS: SocketTransport[];
  CORS_ORIGINS: string[];
}): GatewaySettings {
  return { recheckIntervalMs: config.REALTIME_RECHECK_INTERVAL, transports: config.REALTIME_TRANSPORTS, corsOrigins: config.CORS_ORIGINS };
}
