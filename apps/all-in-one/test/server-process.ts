import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A server started as its own process, as production starts it (build.test.ts, dockerfile.integration.test.ts). */
export interface ServerProcess {
  child: ChildProcess;
  base: string;
  port: number;
  exited: Promise<number | null>;
  output: string[];
}

export interface ServerCommand {
  command: string;
  args: string[];
  cwd: string;
  /** The whole environment: nothing of the test's own leaks in. PORT is set to `port`. */
  env: Record<string, string | undefined>;
  port: number;
  /** Run as this user (only root may ask), as a container's USER would. */
  uid?: number;
  gid?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/** Starts the process; `untilHealthy` then waits for it to answer. */
export function spawnServer(options: ServerCommand): ServerProcess {
  const output: string[] = [];
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...options.env, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  return { child, base: `http://127.0.0.1:${String(options.port)}`, port: options.port, exited, output };
}

/** Resolves once /health answers 200; rejects with the server's output if it exits first. */
export async function untilHealthy(server: ServerProcess): Promise<void> {
  const { exited, output } = server;
  const died = exited.then((code) => {
    throw new Error(`the server exited (${String(code)}): ${output.join('')}`);
  });
  died.catch(() => undefined);
  // Polls until the server answers: the wait ends when it is up, however loaded the machine.
  for (;;) {
    const ok = await Promise.race([
      fetch(`${server.base}/health`).then(
        (r) => r.ok,
        () => false,
      ),
      died,
    ]);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGTERM (unless it has already ended) and the exit. */
export async function stopServer(server: ServerProcess): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  await server.exited;
}
