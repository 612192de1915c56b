export {
  EVENT_TYPES,
  EVENT_VERSIONS,
  EventMap,
  SUBSCRIPTIONS,
  isEventType,
  type EventPayload,
  type EventType,
  type EventSubscription,
  type Topology,
} from './catalog.js';
export { checkSubscription, checkTopology, subscribedTypes } from './topology.js';
export { EventValidationError, buildEnvelope, decodeJson, parseEnvelope, type AnyEventEnvelope, type EventEnvelope, type ParsedEnvelope } from './envelope.js';
export {
  eventTablesMigration,
  eventTablesSql,
  outboxTraceContextMigration,
  outboxTraceContextSql,
  pruneEventTables,
  type EventTables,
  type InboxTable,
  type OutboxTable,
  type PruneOptions,
} from './tables.js';
export { backoffDelay, type ConsumerHandle, type ConsumerRegistration, type EventTransport, type HandleOutcome } from './transport.js';
export { OutboxRelay, type RelayOptions } from './relay.js';
export { consumeOnce } from './inbox.js';
export { InProcessTransport, type InProcessTransportOptions } from './in-process.js';
export { AmqpTransport, DEFAULT_EXCHANGE, amqpNames, type AmqpTransportOptions } from './amqp.js';
export { createEventBus, outboxValues, type EventBus, type EventBusOptions, type EventHandler, type StagedEvent } from './bus.js';
export { createEventTransport, type EventTransportOptions } from './factory.js';
export { runEventBuses } from './run.js';
export { startEventPruning, type PruningOptions } from './prune.js';
