import type { Server, Socket } from 'socket.io';
import type { AuthUser, EventEnvelope, EventType } from '@expensio/common';

/** The durable consumer the gateway reads events through (one queue shared by every replica). */
export const GATEWAY_CONSUMER = 'realtime.gateway';

/**
 * The events pushed to the sockets of the user they are about, each as a message named by its
 * type with the envelope as its data. `security.alert` also goes to the admin room.
 */
export const PUSHED_EVENT_TYPES = [
  'transaction.created',
  'transaction.updated',
  'transaction.deleted',
  'import.completed',
  'transaction.flagged',
  'budget.threshold_reached',
  'goal.progressed',
  'goal.completed',
  'recurring.posted',
  'security.alert',
  'webhook.disabled',
] as const satisfies readonly EventType[];

export type PushedEventType = (typeof PUSHED_EVENT_TYPES)[number];

/** Pushed too, then the user's sockets are disconnected. */
export const USER_DELETED = 'user.deleted';

export type GatewayEventType = PushedEventType | typeof USER_DELETED;

export const GATEWAY_EVENT_TYPES: readonly GatewayEventType[] = [...PUSHED_EVENT_TYPES, USER_DELETED];

/** Where admins who asked for it (`join-admin`) receive every user's security alerts. */
export const ADMIN_ROOM = 'admins';

/** Every socket of a user is in this room, and only that user's sockets. */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

/** Sent just before the gateway disconnects a socket whose token no longer holds. */
export const UNAUTHORIZED_MESSAGE = 'unauthorized';

export interface AuthFailure {
  /** The UnauthorizedError code the HTTP API would answer with, e.g. `token_revoked`. */
  code: string;
  message: string;
}

export type AdminRoomAnswer = { ok: true } | { ok: false; error: 'forbidden' | 'unavailable' };

export type ServerToClientEvents = { [K in GatewayEventType]: (event: EventEnvelope<K>) => void } & {
  [UNAUTHORIZED_MESSAGE]: (reason: AuthFailure) => void;
};

/** What a client may send. Arguments are typed unknown: a client can send anything. */
export interface ClientToServerEvents {
  'join-admin': (ack: unknown) => void;
  'leave-admin': (ack: unknown) => void;
}

export type InterServerEvents = Record<string, never>;

export interface SocketData {
  user: AuthUser;
  /** Kept to check again while the socket lives. */
  token: string;
}

export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
