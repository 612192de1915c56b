import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { baseConfigSchema, baseConfigShape, checkStandalone, loadConfig, loadServicesConfig, type AnyServiceDescriptor } from '@expensio/common';
import { financeService } from '@expensio/finance';
import { identityService } from '@expensio/identity';
import { realtimeService } from '@expensio/realtime';
import { allServices } from '../src/services.js';

/**
 * No container engine runs here, so compose.yaml is checked against what the services really read:
 * each container's environment (with .env.example for the secrets) passes the service's own config
 * schema and stand-alone rules, names no variable the service does not read, health checks and the
 * proxy hit the port it listens on, start order is gated on health and on migrations, and the
 * proxy routes exactly the Ingress's prefixes.
 */
const root = path.resolve(import.meta.dirname, '../../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface ComposeService {
  image?: string;
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
}
const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;

/** .env.example as compose reads a .env file: KEY=VALUE, double quotes with \n escapes. */
function dotEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, key = '', raw = ''] = match;
    env[key] = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1).replaceAll('\\n', '\n') : raw;
  }
  return env;
}
const dotEnvExample = dotEnv(read('.env.example'));

/** Compose's interpolation: ${VAR}, ${VAR:-default} and ${VAR:?error} (unset or empty). */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (_all, name: string, kind: string | undefined, arg: string | undefined) => {
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (kind === '?') throw new Error(`${name} is required: ${arg ?? ''}`);
    return kind === '-' ? (arg ?? '') : '';
  });
}

function environmentOf(name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(services[name]?.environment ?? {})) env[key] = interpolate(String(value ?? ''), dotEnvExample);
  return env;
}

const APPS: Record<string, readonly AnyServiceDescriptor[]> = {
  identity: [identityService],
  finance: [financeService],
  realtime: [realtimeService],
  expensio: allServices,
};
const STORES = ['postgres', 'redis', 'rabbitmq'];

function healthUrl(service: ComposeService): URL {
  const command = service.healthcheck?.test.join(' ') ?? '';
  const url = /https?:\/\/[^'"\s)]+/.exec(command)?.[0];
  if (url === undefined) throw new Error(`no URL in the health check: ${command}`);
  return new URL(url);
}

describe('compose.yaml', () => {
  it.each(Object.keys(APPS))('gives %s every variable its config requires, and only variables it reads', (name) => {
    const descriptors = APPS[name] ?? [];
    const env = environmentOf(name);
    const config = loadServicesConfig(descriptors, env);
    expect(() => checkStandalone(descriptors, config)).not.toThrow();
    const known = new Set([...Object.keys(baseConfigShape), ...descriptors.flatMap((d) => Object.keys(d.configShape))]);
    expect(Object.keys(env).filter((key) => !known.has(key))).toEqual([]);
  });

  it.each(Object.keys(APPS))('checks %s on the port it listens on, at a route it serves', (name) => {
    const config = loadServicesConfig(APPS[name] ?? [], environmentOf(name));
    const url = healthUrl(services[name] ?? {});
    expect(Number(url.port)).toBe(config.PORT);
    expect(['/health', '/ready']).toContain(url.pathname);
    expect(config.METRICS_PORT).toBeDefined();
    expect(config.METRICS_PORT).not.toBe(config.PORT);
  });

  it.each(['identity', 'finance', 'realtime'])('starts %s only once the stores are healthy and its migrations have run', (name) => {
    const service = services[name] ?? {};
    const depends = service.depends_on ?? {};
    for (const store of STORES) {
      expect(depends[store]?.condition, `${name} → ${store}`).toBe('service_healthy');
      expect(services[store]?.healthcheck, `${store} has a health check`).toBeDefined();
    }
    expect(depends[`migrate-${name}`]?.condition).toBe('service_completed_successfully');
    // The migrations ran already; the service itself does not migrate.
    expect(loadServicesConfig(APPS[name] ?? [], environmentOf(name)).MIGRATE_ON_START).toBe(false);
    for (const [target, { condition }] of Object.entries(depends)) {
      if (condition === 'service_healthy') expect(services[target]?.healthcheck, `${target} has a health check`).toBeDefined();
    }
  });

  it.each(['identity', 'finance', 'realtime'])("runs %s's migrations once, from the build, against the same database", (name) => {
    const migrate = services[`migrate-${name}`] ?? {};
    expect(migrate.command).toEqual(['node', '--conditions=expensio-dist', `services/${name}/dist/server.js`, 'migrate', 'up']);
    expect(existsSync(path.join(root, `services/${name}/src/server.ts`))).toBe(true);
    expect(migrate.image).toBe(services[name]?.image);
    const env = environmentOf(`migrate-${name}`);
    expect(loadConfig(baseConfigSchema, env).DATABASE_URL).toBe(environmentOf(name).DATABASE_URL);
    expect(migrate.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it("routes the Ingress's prefixes through the proxy to the same services, on their ports, once they are healthy", () => {
    const ingress = parse(read('infra/k8s/base/ingress.yaml')) as {
      spec: { rules: { http: { paths: { path: string; backend: { service: { name: string } } }[] } }[] };
    };
    const expected = new Map(ingress.spec.rules.flatMap((rule) => rule.http.paths.map((p) => [p.path, p.backend.service.name] as const)));

    const caddyfile = read('infra/compose/Caddyfile');
    const matchers = new Map([...caddyfile.matchAll(/@(\w+) path ([^\n]+)/g)].map((m) => [m[1] ?? '', (m[2] ?? '').trim().split(/\s+/)]));
    const routed = new Map<string, string>();
    for (const [, matcher = '', upstream = ''] of caddyfile.matchAll(/handle @(\w+) \{\s*reverse_proxy (\S+)/g)) {
      const [host = '', port = ''] = upstream.split(':');
      expect(Number(port), `${upstream} is where ${host} listens`).toBe(loadServicesConfig(APPS[host] ?? [], environmentOf(host)).PORT);
      for (const p of matchers.get(matcher) ?? []) {
        // A prefix is routed as itself and everything under it, as the Ingress's Prefix type does.
        if (!p.endsWith('/*')) {
          expect(matchers.get(matcher), `${p}/* goes with ${p}`).toContain(`${p}/*`);
          routed.set(p, host);
        }
      }
    }
    expect(Object.fromEntries(routed)).toEqual(Object.fromEntries(expected));

    const proxy = services.proxy ?? {};
    for (const name of ['identity', 'finance', 'realtime']) expect(proxy.depends_on?.[name]?.condition).toBe('service_healthy');
  });

  it('keeps the all-in-one behind its own profile, with its data in a volume', () => {
    expect(services.expensio?.profiles).toEqual(['all-in-one']);
    expect(environmentOf('expensio').DATABASE_URL).toBeUndefined();
    for (const name of ['identity', 'finance', 'realtime', 'proxy', ...STORES]) expect(services[name]?.profiles).toBeUndefined();
  });
});
