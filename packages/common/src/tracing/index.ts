export { tracingEnabled } from './enabled.js';
export { startTracing, type Tracing, type TracingOptions } from './sdk.js';
export { activeTraceIds, contextFrom, currentTraceContext, inSpan, type TraceCarrier } from './context.js';
export { traceRequests } from './http.js';
