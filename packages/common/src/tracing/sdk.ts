import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tracingEnabled } from './enabled.js';
import { libraryInstrumentations, patchLoadedLibraries } from './libraries.js';

export interface TracingOptions {
  /** The service name on every span, unless OTEL_SERVICE_NAME says otherwise. */
  serviceName: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Where spans go instead of the exporter the OTEL_* variables choose (a test's in-memory
   * exporter); giving them starts the SDK whatever the variables say.
   */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Flushes the spans in hand and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry's Node SDK when the standard variables ask for traces (see
 * `tracingEnabled`); otherwise returns undefined without loading it, so a process that does not
 * trace pays nothing. The SDK reads its exporter, protocol, sampler, headers and resource from
 * the OTEL_* variables itself. Requests and events get spans from Expensio's own code (ADR 0023),
 * PostgreSQL, RabbitMQ and Redis calls from OpenTelemetry's instrumentations of pg, amqplib and
 * ioredis (ADR 0025).
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  const env = options.env ?? process.env;
  if (options.spanProcessors === undefined && !tracingEnabled(env)) return undefined;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const instrumentations = await libraryInstrumentations();
  const named = (env.OTEL_SERVICE_NAME ?? '').trim() !== '';
  const sdk = new NodeSDK({
    ...(!named && { serviceName: options.serviceName }),
    ...(options.spanProcessors !== undefined && { spanProcessors: options.spanProcessors }),
    instrumentations,
    // Traces only: metrics stay with prom-client (/metrics) and logs with pino (stdout), whatever
    // OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER default to in the SDK.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  patchLoadedLibraries();
  return {
    shutdown: async () => {
      await sdk.shutdown();
      // The SDK leaves the libraries patched; a test that starts it again patches them afresh.
      for (const instrumentation of instrumentations) instrumentation.disable();
      // The SDK registered itself as the process-wide tracer, propagator and context manager;
      // stopping leaves none behind, so what runs next in this process traces only if it starts again.
      const { context, propagation, trace } = await import('@opentelemetry/api');
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
