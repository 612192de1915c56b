import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { databaseUrl } from './lib.js';

export interface BenchServer {
  port: number;
  /** The server's own process id (node itself, tsx loads in-process), for reading its CPU in /proc. */
  pid: number;
  /** The application_name its connections to PostgreSQL carry, to find the backends serving it. */
  application: string;
  /** Statements it has sent so far (counted in the server by bench/counting.ts). */
  statements: () => Promise<number>;
  /**
   * Starts or stops the server's outbox relay (bench/server.ts; the bare server has none). Relays
   * share one outbox, so an idle server's relay would publish, and be charged for, part of the
   * rows the measured server writes.
   */
  relay: (on: boolean) => Promise<void>;
  stop: () => Promise<void>;
}

let servers = 0;

/** Starts bench/server.ts or bench/bare-server.ts in its own process and waits for `listening PORT`. */
export async function startServer(
  script: 'server.ts' | 'bare-server.ts',
  options: { database: string; publicJwk: object; poolSize: number; profileDir?: string | undefined; env?: Record<string, string> },
): Promise<BenchServer> {
  const profile = options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`];
  servers += 1;
  const application = `expensio-bench-${String(process.pid)}-${String(servers)}`;
  const url = new URL(databaseUrl(options.database));
  url.searchParams.set('application_name', application);
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(import.meta.dirname, script)], {
    env: {
      ...process.env,
      BENCH_DATABASE_URL: url.toString(),
      BENCH_PUBLIC_JWK: JSON.stringify(options.publicJwk),
      BENCH_POOL_SIZE: String(options.poolSize),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  if (child.stdout === null) throw new Error('bench server has no stdout');
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match?.[1]) resolve(Number(match[1]));
    });
    child.once('exit', (code) => {
      reject(new Error(`bench server exited with ${code}`));
    });
  });
  /** Sends `message` and waits for the answer `pick` recognises (other answers are not its). */
  const ask = <T>(message: string, pick: (answer: Record<string, unknown>) => T | undefined) =>
    new Promise<T>((resolve) => {
      const listen = (answer: unknown) => {
        const picked = pick(answer as Record<string, unknown>);
        if (picked === undefined) return;
        child.off('message', listen);
        resolve(picked);
      };
      child.on('message', listen);
      child.send(message);
    });
  const statements = () => ask('count', (answer) => (typeof answer.statements === 'number' ? answer.statements : undefined));
  const relay =
    script === 'server.ts'
      ? async (on: boolean) => {
          await ask(on ? 'relay on' : 'relay off', (answer) => (answer.relay === on ? true : undefined));
        }
      : async () => undefined;
  return {
    port,
    pid: child.pid ?? 0,
    application,
    statements,
    relay,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
