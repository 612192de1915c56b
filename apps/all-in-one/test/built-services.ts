import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { adminQuery } from '@expensio/common/testing';
import { freePort, spawnServer, stopServer, untilHealthy, type ServerProcess } from './server-process.js';

/**
 * identity, finance and realtime, each started from its build as Kubernetes and compose start them
 * (NODE_ENV=production, migrations run once beforehand by `dist/server.js migrate up`), over the
 * real PostgreSQL, RabbitMQ and Redis of the integration tier: a database and a RabbitMQ virtual
 * host of their own, so nothing else on the broker consumes their events.
 */

const root = path.resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

export const SERVICE_NAMES = ['identity', 'finance', 'realtime'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface BuiltService {
  name: ServiceName;
  server: ServerProcess;
  metricsBase: string;
}

export interface Stores {
  databaseUrl: string;
  amqpUrl: string;
  redisUrl: string;
}

/** The node command line of a built service: production's, plus the guard against TypeScript or development packages. */
function nodeArgs(name: ServiceName, ...args: string[]): string[] {
  return [
    '--conditions=expensio-dist',
    '--enable-source-maps',
    '--import',
    './apps/all-in-one/test/production-only.js',
    `services/${name}/dist/server.js`,
    ...args,
  ];
}

/** A fresh database on the server of `adminUrl`, and how to drop it. */
export async function freshDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `expensio_built_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`) };
}

/**
 * A RabbitMQ virtual host of its own (rabbitmqctl, as the fault test uses), so the services'
 * queues are theirs alone; the URL's own virtual host where rabbitmqctl cannot be run.
 */
export async function freshVhost(amqpUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const vhost = `expensio-built-${randomBytes(6).toString('hex')}`;
  const user = decodeURIComponent(new URL(amqpUrl).username || 'guest');
  try {
    await run('rabbitmqctl', ['add_vhost', vhost], { timeout: 60_000 });
    await run('rabbitmqctl', ['set_permissions', '-p', vhost, user, '.*', '.*', '.*'], { timeout: 60_000 });
  } catch (error) {
    process.stderr.write(`built services: no virtual host of their own (${(error as Error).message.split('\n')[0] ?? ''}); using ${amqpUrl}'s\n`);
    return { url: amqpUrl, drop: async () => undefined };
  }
  const url = new URL(amqpUrl);
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    url: url.toString(),
    drop: async () => {
      await run('rabbitmqctl', ['delete_vhost', vhost], { timeout: 60_000 });
    },
  };
}

/** `migrate up` of each service from its build, as compose's migrate-* services and the init containers run it. */
export async function migrateBuilt(databaseUrl: string): Promise<void> {
  for (const name of SERVICE_NAMES) {
    await run(process.execPath, nodeArgs(name, 'migrate', 'up'), { cwd: root, env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl } });
  }
}

/** What compose.yaml's x-app-env gives every service, on this machine's stores and ports. */
function commonEnv(stores: Stores, metricsPort: number, dataDir: string): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: stores.databaseUrl,
    REDIS_URL: stores.redisUrl,
    AMQP_URL: stores.amqpUrl,
    MIGRATE_ON_START: 'false',
    METRICS_PORT: String(metricsPort),
    DATA_DIR: dataDir,
    RATE_LIMIT_MAX: '100000',
    // Counted per address in the shared Redis, which outlives a run: every run registers from 127.0.0.1.
    REGISTRATION_IP_LIMIT: '100000',
    SHUTDOWN_TIMEOUT: '25s',
  };
}

/**
 * Starts identity, then finance and realtime (which read identity's keys at its JWKS URL), each
 * up once /health answers. `smtpUrl` stands for compose's mail server.
 */
export async function startBuiltServices(stores: Stores, smtpUrl: string): Promise<{ services: Record<ServiceName, BuiltService>; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'expensio-built-services-'));
  const started: BuiltService[] = [];
  const start = async (name: ServiceName, env: Record<string, string>): Promise<BuiltService> => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const server = spawnServer({
      command: process.execPath,
      args: nodeArgs(name),
      cwd: root,
      env: { ...commonEnv(stores, metricsPort, path.join(dataDir, name)), ...env },
      port,
    });
    const service = { name, server, metricsBase: `http://127.0.0.1:${String(metricsPort)}` };
    started.push(service);
    await untilHealthy(server);
    return service;
  };
  const stop = async () => {
    for (const { server } of started.reverse()) await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const identity = await start('identity', {
      SMTP_URL: smtpUrl,
      JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      TOTP_SECRET_KEY: randomBytes(32).toString('hex'),
    });
    const jwks = `${identity.server.base}/.well-known/jwks.json`;
    const [finance, realtime] = await Promise.all([
      start('finance', { IDENTITY_JWKS_URL: jwks }),
      // The test's webhook receiver listens on loopback, which only this switch allows.
      start('realtime', { IDENTITY_JWKS_URL: jwks, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }),
    ]);
    return { services: { identity, finance, realtime }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Which service serves a path, read from the compose file's reverse proxy (the same prefixes as
 * the Kubernetes Ingress, which compose.test.ts holds it to).
 */
export function pathRouter(): (url: string) => ServiceName {
  const caddyfile = readFileSync(path.join(root, 'infra/compose/Caddyfile'), 'utf8');
  const prefixes: [string, ServiceName][] = [];
  for (const match of caddyfile.matchAll(/^\s*@(\w+) path (.+)$/gm)) {
    const [, name, paths] = match;
    if (!SERVICE_NAMES.includes(name as ServiceName)) throw new Error(`the Caddyfile routes to an unknown service ${String(name)}`);
    for (const prefix of (paths ?? '').split(/\s+/)) if (!prefix.endsWith('*')) prefixes.push([prefix, name as ServiceName]);
  }
  return (url) => {
    const pathname = url.split('?')[0] ?? url;
    const found = prefixes.find(([prefix]) => pathname === prefix || pathname.startsWith(`${prefix}/`));
    if (found === undefined) throw new Error(`no service serves ${pathname} behind the proxy`);
    return found[1];
  };
}
