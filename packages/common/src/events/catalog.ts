import { z } from 'zod';

/**
 * Every event the services exchange, defined once: the AMQP routing key, the Socket.IO message
 * name and the webhook `type` are all the event type, and its payload is validated by the same
 * schema on publish and on consume.
 *
 * Payloads carry ids and the few facts a consumer needs without calling back (amounts as decimal
 * strings with their ISO 4217 currency, never floats), and never a secret: no password or its hash,
 * no token, no OTP code. The envelope already holds the user id and the moment it happened.
 */

const id = z.uuid();
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string such as "12.34"');
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code');
const instant = z.iso.datetime({ offset: true });
const day = z.iso.date();
/** An IANA zone name; optional in user events published before zones existed (read as UTC). */
const timeZone = z.string().min(1).max(64);
const ip = z.string().max(64).nullable();
const userAgent = z.string().max(512).nullable();

/** Keys that would name a secret: refused inside free-form details, so none slips into an event. */
const SECRET_KEY_RE = /pass|token|secret|otp|code|hash|key/i;
const details = z
  .record(z.string().max(64), z.union([z.string().max(512), z.number(), z.boolean(), z.null()]))
  .refine((value) => Object.keys(value).every((key) => !SECRET_KEY_RE.test(key)), 'details may not carry secrets');

const role = z.enum(['user', 'admin']);
const transactionType = z.enum(['income', 'expense', 'transfer_in', 'transfer_out']);

/** What finance and realtime need to show or reverse a ledger row without reading finance's tables. */
const transactionSnapshot = z.object({
  transactionId: id,
  accountId: id,
  type: transactionType,
  amount: decimal,
  currency,
  categoryId: id.nullable(),
  description: z.string().nullable(),
  merchant: z.string().nullable(),
  occurredAt: instant,
  tags: z.array(z.string()),
  transferId: id.nullable(),
  recurringRuleId: id.nullable(),
});

export const EventMap = {
  'user.registered': z.object({ email: z.email(), name: z.string().nullable(), role, timeZone: timeZone.optional() }),
  /** The profile after the change; `changed` names the fields (a password change names `password` and carries no value). */
  'user.updated': z.object({
    changed: z.array(z.enum(['email', 'name', 'role', 'password', 'locked', 'emailVerified', 'timeZone'])).min(1),
    email: z.email(),
    name: z.string().nullable(),
    role,
    timeZone: timeZone.optional(),
  }),
  /** Every service removes the user's rows when it sees this. */
  'user.deleted': z.object({ reason: z.enum(['user_request', 'admin']) }),
  'auth.login.succeeded': z.object({ sessionId: id, method: z.enum(['password', 'otp']), ip, userAgent }),
  /** The envelope's userId is null when the email matched no user. */
  'auth.login.failed': z.object({ email: z.string().max(320), reason: z.string().max(64), ip, userAgent }),
  'auth.otp.locked': z.object({ purpose: z.enum(['login', 'password_reset', 'account_deletion']), lockedUntil: instant.nullable(), ip }),
  'security.alert': z.object({
    /** What happened, e.g. `refresh.reused`, `account.locked`, `login.new_country`. */
    alert: z.string().min(1).max(64),
    severity: z.enum(['info', 'warning', 'critical']),
    message: z.string().max(512),
    ip,
    details,
  }),
  'transaction.created': transactionSnapshot,
  'transaction.updated': transactionSnapshot.extend({ changed: z.array(z.string()).min(1) }),
  'transaction.deleted': transactionSnapshot.pick({ transactionId: true, accountId: true, type: true, amount: true, currency: true, occurredAt: true }),
  /**
   * A bank file import that created too many transactions for one `transaction.created` each (an
   * import of a few publishes those instead): the counts as the import's answer gives them, and
   * every transaction it created, to read back from finance.
   */
  'import.completed': z.object({
    accountId: id,
    format: z.enum(['csv', 'ofx', 'qif', 'camt053']),
    rows: z.number().int().min(0),
    created: z.number().int().min(0),
    duplicates: z.number().int().min(0),
    rejected: z.number().int().min(0),
    transactionIds: z.array(id),
  }),
  /**
   * A transaction scored at or past SECURITY_ALERT_THRESHOLD (finance's fraud scoring): what it
   * was, its score and why, in words the owner understands. Identity turns it into `security.alert`.
   */
  'transaction.flagged': z.object({
    transactionId: id,
    score: z.number().int().min(0).max(100),
    level: z.enum(['normal', 'elevated', 'high']),
    reasons: z.array(z.object({ code: z.string().min(1).max(64), message: z.string().max(512), weight: z.number().int().min(0).max(100) })),
    amount: decimal,
    currency,
    merchant: z.string().nullable(),
    occurredAt: instant,
  }),
  'budget.threshold_reached': z.object({
    budgetId: id,
    name: z.string(),
    categoryId: id.nullable(),
    periodStart: day,
    threshold: z.union([z.literal(80), z.literal(100)]),
    spent: decimal,
    available: decimal,
    currency,
  }),
  'goal.progressed': z.object({ goalId: id, name: z.string(), saved: decimal, target: decimal, currency, percent: decimal }),
  'goal.completed': z.object({ goalId: id, name: z.string(), saved: decimal, target: decimal, currency, completedAt: instant }),
  'recurring.posted': z.object({
    ruleId: id,
    transactionId: id,
    occurrenceDate: day,
    type: z.enum(['income', 'expense']),
    amount: decimal,
    currency,
  }),
  /**
   * A webhook endpoint was switched off without its owner asking: `reason` is `delivery_failures`
   * (its last `failures` deliveries all failed) or `owner_not_admin` (an all-users endpoint whose
   * owner lost the admin role).
   */
  'webhook.disabled': z.object({
    webhookId: id,
    url: z.string().max(2048),
    reason: z.string().min(1).max(64),
    failures: z.number().int().min(0),
  }),
} as const;

export type EventType = keyof typeof EventMap;
export type EventPayload<K extends EventType> = z.output<(typeof EventMap)[K]>;

export const EVENT_TYPES = Object.keys(EventMap) as EventType[];

/**
 * The payload version each type is published with. Adding an optional field keeps the version
 * (consumers drop keys they do not know); renaming, removing or retyping a field bumps it, and
 * consumers must accept both versions before producers switch.
 */
export const EVENT_VERSIONS: { readonly [K in EventType]: number } = {
  'user.registered': 1,
  'user.updated': 1,
  'user.deleted': 1,
  'auth.login.succeeded': 1,
  'auth.login.failed': 1,
  'auth.otp.locked': 1,
  'security.alert': 1,
  'transaction.created': 1,
  'transaction.updated': 1,
  'transaction.deleted': 1,
  'import.completed': 1,
  'transaction.flagged': 1,
  'budget.threshold_reached': 1,
  'goal.progressed': 1,
  'goal.completed': 1,
  'recurring.posted': 1,
  'webhook.disabled': 1,
};

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(EventMap, value);
}

/** A durable consumer and the event types its queue is bound to. */
export interface EventSubscription {
  /** Lower-case words joined by dots, dashes or underscores; the queue is named after it. */
  readonly consumer: string;
  readonly events: readonly EventType[];
}

export type Topology = readonly EventSubscription[];

/**
 * Every durable consumer of every service, declared here rather than by the consumer's own code:
 * each service's transport declares all these queues and bindings on connect, so an event published
 * before its consumer ever started waits in that consumer's queue. A service's `bus.subscribe` must
 * name exactly its entry's types (checked when it subscribes).
 */
export const SUBSCRIPTIONS: Topology = [
  { consumer: 'finance.user-erasure', events: ['user.deleted'] },
  { consumer: 'finance.user-time-zones', events: ['user.registered', 'user.updated'] },
  { consumer: 'identity.fraud-alerts', events: ['transaction.flagged'] },
  {
    consumer: 'realtime.gateway',
    events: [
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
      'user.deleted',
    ],
  },
  { consumer: 'realtime.webhooks', events: EVENT_TYPES },
  { consumer: 'realtime.webhook-owners', events: ['user.updated', 'user.deleted'] },
];
