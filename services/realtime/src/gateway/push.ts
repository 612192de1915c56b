import type { AnyEventEnvelope, EventEnvelope } from '@expensio/common';
import { ADMIN_ROOM, USER_DELETED, userRoom, type GatewayEventType, type GatewayServer } from './protocol.js';

/**
 * Sends one event to the sockets it concerns, on every replica (through the Redis adapter when
 * there is one): its user's room, and for a security alert the admin room too (one message per
 * socket, even for an admin in both). Never fails for want of listeners: a room with no socket is
 * simply empty. The emit is outside the consumer's transaction, so a redelivered event may be
 * pushed twice.
 */
export function pushEvent(io: GatewayServer, event: AnyEventEnvelope<GatewayEventType>): void {
  const rooms = event.userId === null ? [] : [userRoom(event.userId)];
  if (event.type === 'security.alert') rooms.push(ADMIN_ROOM);
  if (rooms.length === 0) return;
  // Messages are typed per event type; the union is emitted under its own type.
  (io.to(rooms).emit as (type: string, envelope: EventEnvelope) => boolean)(event.type, event);
  // The user is told first, then every socket of theirs, on every replica, is let go.
  if (event.type === USER_DELETED) io.in(rooms).disconnectSockets(true);
}
