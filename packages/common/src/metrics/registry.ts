import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds: from a fast JSON read to an import or export that streams for a while. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Sign-in outcomes as counted: a success by password or code, or a refusal with its reason. */
export type SignInOutcome = 'succeeded' | 'failed';

/**
 * The counters a process keeps, on a registry of its own: every composed app (a service alone,
 * the all-in-one, each app of a test) gets one, so apps sharing a process never clash over a
 * metric's name. Services count through these; gauges that read state (the pool, the outbox) are
 * added by the runner and read on scrape.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status_class'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_class'>;
  readonly rateLimitRefusals: Counter<'route'>;
  readonly eventsConsumed: Counter<'consumer' | 'outcome'>;
  readonly eventsFailed: Counter<'consumer'>;
  readonly eventsDeadLettered: Counter<'consumer'>;
  readonly schedulerRuns: Counter<'outcome'>;
  readonly schedulerPostings: Counter;
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly socketConnections: Gauge;
  readonly signIns: Counter<'outcome' | 'method' | 'reason'>;
}

export interface MetricsOptions {
  /** The Node runtime's own metrics (event loop lag, heap, GC, handles); off where nothing scrapes them. */
  defaultMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'expensio_http_requests_total',
      help: 'HTTP requests answered, by route template and status class',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'expensio_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route template and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: HTTP_BUCKETS,
      registers,
    }),
    rateLimitRefusals: new Counter({
      name: 'expensio_rate_limit_refusals_total',
      help: 'Requests refused with 429 (the global limit, or a sign-in or code limit), by route template',
      labelNames: ['route'],
      registers,
    }),
    eventsConsumed: new Counter({
      name: 'expensio_events_consumed_total',
      help: 'Events a consumer took: processed, duplicate (already processed) or ignored (not a type it takes)',
      labelNames: ['consumer', 'outcome'],
      registers,
    }),
    eventsFailed: new Counter({
      name: 'expensio_events_failed_total',
      help: 'Event deliveries whose handler threw or that could not be read',
      labelNames: ['consumer'],
      registers,
    }),
    eventsDeadLettered: new Counter({
      name: 'expensio_events_dead_lettered_total',
      help: 'Events given up on and kept as dead letters',
      labelNames: ['consumer'],
      registers,
    }),
    schedulerRuns: new Counter({
      name: 'expensio_scheduler_runs_total',
      help: 'Recurring-transaction scheduler runs; outcome "failed" counts runs with a rule that could not post',
      labelNames: ['outcome'],
      registers,
    }),
    schedulerPostings: new Counter({
      name: 'expensio_scheduler_postings_total',
      help: 'Transactions the recurring scheduler posted',
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'expensio_webhook_deliveries_total',
      help: 'Webhook delivery attempts: succeeded, retrying, or failed for good',
      labelNames: ['outcome'],
      registers,
    }),
    socketConnections: new Gauge({
      name: 'expensio_socketio_connections',
      help: 'Socket.IO clients connected to this process',
      registers,
    }),
    signIns: new Counter({
      name: 'expensio_sign_ins_total',
      help: 'Sign-ins by outcome, method (password, otp) and, for failures, reason',
      labelNames: ['outcome', 'method', 'reason'],
      registers,
    }),
  };
}
