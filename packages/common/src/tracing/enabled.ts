/**
 * Whether this process exports traces, from OpenTelemetry's own variables: an OTLP endpoint (all
 * signals or traces only) or an explicit `OTEL_TRACES_EXPORTER` other than `none`, unless
 * `OTEL_SDK_DISABLED=true`. Nothing set means no SDK is loaded at all.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  const set = (name: string) => (env[name] ?? '').trim() !== '';
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  if (set('OTEL_TRACES_EXPORTER')) {
    const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim().toLowerCase());
    return exporters.some((name) => name !== '' && name !== 'none');
  }
  return set('OTEL_EXPORTER_OTLP_ENDPOINT') || set('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
}
