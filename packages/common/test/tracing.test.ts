import { describe, expect, it } from 'vitest';
import { buildEnvelope, contextFrom, currentTraceContext, ManualClock, parseEnvelope, startTracing, tracingEnabled } from '@expensio/common';
import { sampleTransactionCreated } from '@expensio/common/testing';

describe('tracingEnabled', () => {
  it('is off when no OpenTelemetry variable asks for traces', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
    expect(tracingEnabled({ OTEL_SERVICE_NAME: 'finance' })).toBe(false);
  });

  it('is on with an OTLP endpoint, for all signals or for traces', () => {
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
  });

  it('follows OTEL_TRACES_EXPORTER, and OTEL_SDK_DISABLED over everything', () => {
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'none, otlp' })).toBe(true);
    expect(tracingEnabled({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
  });
});

describe('with tracing off', () => {
  it('starts no SDK and puts no trace context in envelopes', async () => {
    expect(await startTracing({ serviceName: 'test', env: {} })).toBeUndefined();
    expect(currentTraceContext()).toBeUndefined();
    const envelope = buildEnvelope('transaction.created', null, sampleTransactionCreated(), new ManualClock('2026-01-01T00:00:00Z'));
    expect(envelope).not.toHaveProperty('traceContext');
  });
});

describe('trace context in an envelope', () => {
  const raw = (traceContext: unknown) => ({
    ...buildEnvelope('transaction.created', null, sampleTransactionCreated(), new ManualClock('2026-01-01T00:00:00Z')),
    traceContext,
  });

  it('is read back as it was written', () => {
    const traceContext = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'vendor=1' };
    const parsed = parseEnvelope(JSON.parse(JSON.stringify(raw(traceContext))));
    expect(parsed.ok && parsed.envelope.traceContext).toEqual(traceContext);
  });

  it('never costs the event: one that cannot be read is dropped, the event kept', () => {
    const parsed = parseEnvelope(raw({ traceparent: 42 }));
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.envelope).not.toHaveProperty('traceContext');
    // Without an SDK the propagator reads nothing, so a carrier leaves no span behind.
    expect(currentTraceContext(contextFrom({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }))).toBeUndefined();
  });
});
