import { z } from 'zod';
import { baseConfigShape } from '../config/base.js';
import { ConfigError, loadConfig } from '../config/load.js';
import type { AnyServiceDescriptor } from './descriptor.js';

/** The merged config of the services given: one Zod shape, parsed once. */
export type ComposedConfig = z.output<z.ZodObject<typeof baseConfigShape>> & Record<string, unknown>;

/** One schema for every service of the process: the base variables, each service's own and their cross-variable rules. */
export function servicesConfigSchema(descriptors: readonly AnyServiceDescriptor[]) {
  const shape = Object.assign({}, baseConfigShape, ...descriptors.map((d) => d.configShape as z.ZodRawShape)) as typeof baseConfigShape;
  return z.object(shape).superRefine((config, ctx) => {
    for (const descriptor of descriptors) addConfigProblems(ctx, descriptor.checkConfig?.(config) ?? []);
  });
}

/** `VARIABLE: message` lines as Zod issues, so they are reported with every other bad variable. */
export function addConfigProblems(ctx: z.RefinementCtx, problems: readonly string[]): void {
  for (const problem of problems) {
    const [variable = '', message = problem] = problem.split(/: (.*)/s);
    ctx.addIssue({ code: 'custom', path: [variable], message });
  }
}

export function loadServicesConfig(descriptors: readonly AnyServiceDescriptor[], env: NodeJS.ProcessEnv = process.env): ComposedConfig {
  return loadConfig(servicesConfigSchema(descriptors), env);
}

/**
 * What a service alone needs besides its own variables: without identity in the process, its
 * tokens are checked against identity's JWKS and the shared Redis denylist. Returns the warnings.
 */
export function checkStandalone(descriptors: readonly AnyServiceDescriptor[], config: ComposedConfig): string[] {
  const problems: string[] = [];
  const warnings: string[] = [];
  const verifiesInProcess = descriptors.some((d) => d.verifier !== undefined);
  for (const descriptor of descriptors) {
    const name = descriptor.name;
    if (!verifiesInProcess) {
      if (config.IDENTITY_JWKS_URL === undefined)
        problems.push(`IDENTITY_JWKS_URL: is required when ${name} runs alone (e.g. http://identity:3000/.well-known/jwks.json)`);
      if (config.REDIS_URL === undefined) problems.push(`REDIS_URL: is required when ${name} runs alone (revoked tokens are shared through it)`);
    }
    if (descriptors.length > 1) continue;
    for (const [variable, reason] of Object.entries(descriptor.standalone?.requires ?? {})) {
      if (config[variable] === undefined) problems.push(`${variable}: is required when ${name} runs alone (${reason})`);
    }
    for (const [variable, reason] of Object.entries(descriptor.standalone?.warns ?? {})) {
      if (config[variable] === undefined) warnings.push(`${variable} is unset: ${reason}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return warnings;
}
