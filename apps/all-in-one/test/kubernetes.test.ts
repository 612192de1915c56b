import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { checkStandalone, loadServicesConfig, type AnyServiceDescriptor } from '@expensio/common';
import { buildTestApp, openTestDatabase, type TestApp } from '@expensio/common/testing';
import { allServices } from '../src/services.js';

// The manifests as Kubernetes would take them: every overlay rendered by kustomize, every object
// checked against the API schemas, and each Deployment held to what its service really reads and serves.

const ROOT = path.resolve(import.meta.dirname, '../../..');
const K8S = path.join(ROOT, 'infra/k8s');
const OVERLAYS = readdirSync(path.join(K8S, 'overlays'));
const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!kubectl) process.stderr.write('kubernetes.test.ts: kubectl is not installed; the manifest checks are skipped\n');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  initContainers?: Container[];
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown }[];
  topologySpreadConstraints?: { topologyKey: string }[];
}

function render(overlay: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', path.join(K8S, 'overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o) => o !== null);
}

/** The kubernetes-models class for an object, or undefined for a custom resource it has no schema of. */
async function modelOf(object: K8sObject): Promise<(new (data: unknown) => { validate(): void }) | undefined> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const modulePath = group === '' ? `kubernetes-models/${version}/${object.kind}` : `kubernetes-models/${group}/${version}/${object.kind}`;
  try {
    const module = (await import(modulePath)) as Record<string, new (data: unknown) => { validate(): void }>;
    return module[object.kind];
  } catch {
    return undefined;
  }
}

/** The operators' resources in overlays: no schema ships for them in kubernetes-models. */
const CUSTOM_KINDS = new Set(['ServiceMonitor', 'PrometheusRule', 'Cluster', 'RabbitmqCluster']);

const descriptorNamed = (name: string): AnyServiceDescriptor => {
  const found = allServices.find((d) => d.name === name);
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
};

/** The variables a container gets: its ConfigMaps' data and the keys of the example Secrets. */
function environmentOf(container: Container, objects: K8sObject[], secrets: K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === source.configMapRef?.name);
      expect(map, `ConfigMap ${source.configMapRef.name}`).toBeDefined();
      Object.assign(env, (map as { data?: Record<string, string> }).data);
    }
    if (source.secretRef) {
      const secret = secrets.find((o) => o.metadata.name === source.secretRef?.name);
      expect(secret, `Secret ${source.secretRef.name} in secret.example.yaml`).toBeDefined();
      Object.assign(env, (secret as { stringData?: Record<string, string> }).stringData);
    }
  }
  return env;
}

const exampleSecrets = parseAllDocuments(readFileSync(path.join(K8S, 'base/secret.example.yaml'), 'utf8')).map((d) => d.toJS() as K8sObject);

describe.skipIf(!kubectl)('Kubernetes manifests', () => {
  const rendered = new Map<string, K8sObject[]>();
  beforeAll(() => {
    for (const overlay of OVERLAYS) rendered.set(overlay, render(overlay));
  });

  it.each(OVERLAYS)('overlay %s: every object is valid against the Kubernetes API schemas', async (overlay) => {
    const objects = rendered.get(overlay) ?? [];
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      const Model = await modelOf(object);
      if (Model === undefined) {
        expect(CUSTOM_KINDS.has(object.kind), `${object.apiVersion} ${object.kind} has no schema`).toBe(true);
        continue;
      }
      expect(() => {
        new Model(object).validate();
      }, `${object.kind}/${object.metadata.name}`).not.toThrow();
    }
  });

  it('the schemas refuse a broken Deployment (the check above can fail)', async () => {
    const deployment = (rendered.get('production') ?? []).find((o) => o.kind === 'Deployment');
    expect(deployment).toBeDefined();
    const broken = structuredClone(deployment) as K8sObject & { spec: { template: { spec: PodSpec } } };
    (broken.spec.template.spec.containers[0] as unknown as { ports: unknown }).ports = [{ containerPort: 'http' }];
    const Model = await modelOf(broken);
    if (Model === undefined) throw new Error('no Deployment schema');
    expect(() => {
      new Model(broken).validate();
    }).toThrow();
  });

  it.each(OVERLAYS)('overlay %s: each Deployment gets every variable its service requires, and none it does not read', (overlay) => {
    const objects = rendered.get(overlay) ?? [];
    const deployments = objects.filter((o) => o.kind === 'Deployment' && allServices.some((d) => d.name === o.metadata.name));
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(allServices.map((d) => d.name).sort());
    for (const deployment of deployments) {
      const descriptor = descriptorNamed(deployment.metadata.name);
      const pod = (deployment as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        const env = environmentOf(container, objects, exampleSecrets);
        const where = `${deployment.metadata.name}/${container.name}`;
        const config = loadServicesConfig([descriptor], env);
        expect(() => checkStandalone([descriptor], config), where).not.toThrow();
        const known = new Set(Object.keys(config));
        for (const variable of Object.keys(env)) expect(known.has(variable), `${where}: ${variable} is not read by ${descriptor.name}`).toBe(true);
        // The entry point the container runs exists in the image's source tree.
        const script = container.command?.find((part) => /\.(ts|js)$/.test(part));
        // A built entry (dist/*.js) is compiled from its source beside it (ADR 0020).
        const source = script?.replace(/\/dist\/(.*)\.js$/, '/src/$1.ts');
        if (source !== undefined) expect(existsSync(path.join(ROOT, source)), `${where}: ${String(script)}`).toBe(true);
      }
      const app = pod.containers.find((c) => c.name === descriptor.name);
      if (app === undefined) throw new Error(`${descriptor.name}: no container of that name`);
      const config = loadServicesConfig([descriptor], environmentOf(app, objects, exampleSecrets));
      const http = app.ports?.find((p) => p.name === 'http');
      expect(http?.containerPort, `${descriptor.name}: the http port is PORT`).toBe(config.PORT);
      expect(app.startupProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(app.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(app.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });
    }
  });

  it.each(OVERLAYS)('overlay %s: every pod meets the restricted Pod Security Standard', (overlay) => {
    for (const object of rendered.get(overlay) ?? []) {
      const pod = (object as { spec?: { template?: { spec?: PodSpec } } }).spec?.template?.spec;
      if (pod === undefined) continue;
      const where = `${object.kind}/${object.metadata.name}`;
      expect(pod.securityContext?.runAsNonRoot, where).toBe(true);
      expect(pod.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault');
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        expect(container.securityContext, `${where}/${container.name}`).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        // A read-only root needs somewhere to write: every mount is an emptyDir of the pod or a claim of the StatefulSet.
        const claims = ((object as unknown as { spec: { volumeClaimTemplates?: { metadata: { name: string } }[] } }).spec.volumeClaimTemplates ?? []).map(
          (c) => c.metadata.name,
        );
        for (const mount of container.volumeMounts ?? []) {
          const writable = pod.volumes?.find((v) => v.name === mount.name)?.emptyDir !== undefined || claims.includes(mount.name);
          expect(writable, `${where}/${container.name} ${mount.mountPath}`).toBe(true);
        }
      }
      if (object.kind === 'Deployment') expect(pod.topologySpreadConstraints?.map((c) => c.topologyKey)).toContain('topology.kubernetes.io/zone');
    }
  });

  it.each(OVERLAYS)('overlay %s: pods are closed by default and opened only as the services need', (overlay) => {
    const policies = (rendered.get(overlay) ?? []).filter((o) => o.kind === 'NetworkPolicy') as (K8sObject & {
      spec: { podSelector: object; policyTypes: string[] };
    })[];
    const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0 && !('ingress' in p.spec) && !('egress' in p.spec));
    expect(deny?.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    const egressPorts = (name: string) =>
      policies
        .filter((p) => JSON.stringify(p.spec.podSelector).includes(name) || JSON.stringify(p.spec.podSelector).includes('["identity","finance","realtime"]'))
        .flatMap((p) =>
          ((p.spec as { egress?: { ports?: { port: number | string }[] }[] }).egress ?? []).flatMap((rule) => rule.ports ?? []).map((port) => port.port),
        );
    for (const service of ['identity', 'finance', 'realtime']) expect(egressPorts(service)).toEqual(expect.arrayContaining([5432, 5672, 6379]));
    expect(egressPorts('identity')).toEqual(expect.arrayContaining([587, 465]));
    expect(egressPorts('finance')).not.toContain(587);
    expect(egressPorts('realtime')).toContain(443);
    expect(egressPorts('finance')).not.toContain(443);
  });

  it('overlay monitoring: each service is scraped on METRICS_PORT, reachable from the monitoring namespace only', () => {
    const objects = rendered.get('monitoring') ?? [];
    type Service = K8sObject & { spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string | number }[] } };
    type ServiceMonitor = K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } };
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor') as ServiceMonitor[];
    for (const descriptor of allServices) {
      const monitor = monitors.find((m) => m.spec.selector.matchLabels['app.kubernetes.io/name'] === descriptor.name);
      expect(monitor, `${descriptor.name}: a ServiceMonitor`).toBeDefined();
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.labels?.['app.kubernetes.io/name'] === descriptor.name) as Service | undefined;
      const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === descriptor.name) as
        (K8sObject & { spec: { template: { spec: PodSpec } } }) | undefined;
      const app = deployment?.spec.template.spec.containers.find((c) => c.name === descriptor.name);
      if (monitor === undefined || service === undefined || app === undefined) throw new Error(`${descriptor.name}: missing objects`);
      const config = loadServicesConfig([descriptor], environmentOf(app, objects, exampleSecrets));
      for (const endpoint of monitor.spec.endpoints) {
        expect(endpoint.path).toBe('/metrics');
        // Service port → container port name → the number the service listens on for /metrics.
        const servicePort = service.spec.ports.find((p) => p.name === endpoint.port);
        const containerPort = app.ports?.find((p) => p.name === servicePort?.targetPort);
        expect(containerPort?.containerPort, `${descriptor.name}: the scraped port is METRICS_PORT`).toBe(config.METRICS_PORT);
      }
    }
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as (K8sObject & {
      spec: { ingress?: { from: { namespaceSelector?: { matchLabels: Record<string, string> } }[]; ports: { port: string | number }[] }[] };
    })[];
    const metricsRules = policies
      .flatMap((p) => p.spec.ingress ?? [])
      .filter((rule) => rule.ports.some((port) => port.port === 'metrics' || port.port === 9464));
    expect(metricsRules.length).toBeGreaterThan(0);
    for (const rule of metricsRules) expect(rule.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    const rules = objects.filter((o) => o.kind === 'PrometheusRule');
    expect(rules).toHaveLength(1);
  });
});

describe.skipIf(!kubectl)('the Ingress', () => {
  const apps = new Map<string, TestApp>();
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeAll(async () => {
    database = await openTestDatabase();
    for (const descriptor of allServices) apps.set(descriptor.name, await buildTestApp([descriptor], { database }));
  });
  afterAll(async () => {
    for (const app of apps.values()) await app.close();
    await database.close();
  });

  /** Longest Prefix match, element by element, as Kubernetes defines pathType Prefix. */
  function backendOf(paths: { path: string; backend: { service: { name: string } } }[], url: string): string | undefined {
    const matches = paths.filter((p) => url === p.path || url.startsWith(p.path.endsWith('/') ? p.path : `${p.path}/`));
    matches.sort((a, b) => b.path.length - a.path.length);
    return matches[0]?.backend.service.name;
  }

  it.each(OVERLAYS)('overlay %s: routes every API path to the service that serves it', async (overlay) => {
    const ingresses = render(overlay).filter((o) => o.kind === 'Ingress') as (K8sObject & {
      spec: { rules: { http: { paths: { path: string; backend: { service: { name: string } } }[] } }[] };
    })[];
    expect(ingresses).toHaveLength(1);
    const [ingress] = ingresses;
    if (ingress === undefined) return;
    const paths = ingress.spec.rules.flatMap((rule) => rule.http.paths);
    const servedBy = new Map<string, string[]>();
    for (const [name, app] of apps) {
      const doc = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
      for (const url of Object.keys(doc.paths)) servedBy.set(url, [...(servedBy.get(url) ?? []), name]);
    }
    expect(servedBy.size).toBeGreaterThan(50);
    for (const [url, services] of servedBy) {
      // Each service alone serves its probes and document; the Ingress exposes none of them.
      if (!url.startsWith('/api/') && !url.startsWith('/.well-known/')) continue;
      if (url.startsWith('/internal/')) continue;
      expect(services, `${url} → ${String(backendOf(paths, url))}`).toContain(backendOf(paths, url));
    }
  });
});
