export { createMetrics, type Metrics, type MetricsOptions, type SignInOutcome } from './registry.js';
export { countRequests, metricsRoute, startMetricsServer } from './http.js';
export { countedTransport } from './events.js';
export { watchState } from './state.js';
