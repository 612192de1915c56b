import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, copyFiles, dockerignore, imageUser, onHost, readDockerfile, type BuiltStage } from './dockerfile.js';
import { freePort, spawnServer, stopServer, untilHealthy, type ServerProcess } from './server-process.js';
import { startMailSink, type MailSink } from './mail-sink.js';

/**
 * No container engine runs on these machines, so infra/docker/Dockerfile is built the long way: a
 * clean copy of the repository (the files git tracks or would track, minus .dockerignore's) is the
 * build context, each stage's RUN commands (install, build, prune) run in order in the stage's own
 * directory, COPY --from copies between them, and the last stage's CMD is started with that stage's
 * files only, as its USER, with its ENV. A broken step, a file the runtime lacks, a development
 * dependency it loads or a directory it cannot write fails here. dockerfile.ts says what stands in
 * for what.
 */
const root = path.resolve(import.meta.dirname, '../../..');
const git = (() => {
  try {
    execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!git) process.stderr.write('dockerfile.integration.test.ts: git is unavailable (or this is not a clone), so there is no clean copy to build; skipped\n');

const SERVICE = 'all-in-one';
const PASSWORD = 'a sturdy passphrase for tests';
const workDir = mkdtempSync(path.join(tmpdir(), 'expensio-dockerfile-'));
const log: string[] = [];
let image: BuiltStage;
let server: ServerProcess | undefined;
let mail: MailSink | undefined;

/** The repository as a clean clone has it, once what is not committed yet is: tracked and unignored files. */
function cleanCopy(context: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  const ignored = dockerignore(readFileSync(path.join(root, '.dockerignore'), 'utf8'));
  // A tracked file deleted in the working tree is not in the copy either.
  const files = listed.split('\0').filter((file) => file !== '' && existsSync(path.join(root, file)) && !ignored(file));
  copyFiles(root, context, files);
}

/**
 * The image's environment, its own paths under its directory, plus what `docker run -e` adds as
 * compose's all-in-one profile does: a mail server, and a port and address of this machine's.
 */
function containerEnv(port: number, smtpUrl: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(image.env)) env[key] = value.startsWith('/') ? onHost(image.root, value) : value;
  const probe = path.join(workDir, 'probe', 'production-only.js');
  return {
    ...env,
    // The base image's PATH holds node; here this machine's does.
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOST: '127.0.0.1',
    PORT: String(port),
    SMTP_URL: smtpUrl,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000',
    // Ends the process if anything loads TypeScript source or a development-only package.
    NODE_OPTIONS: `--import=${pathToFileURL(probe).href}`,
  };
}

beforeAll(async () => {
  if (!git) return;
  // The user the image runs as must be able to reach its files, as in an image's filesystem.
  chmodSync(workDir, 0o755);
  const context = path.join(workDir, 'context');
  cleanCopy(context);
  mkdirSync(path.join(workDir, 'probe'));
  copyFileSync(path.join(import.meta.dirname, 'production-only.js'), path.join(workDir, 'probe', 'production-only.js'));

  // A private copy of this machine's npm cache: the Dockerfile cleans its cache, and `npm ci` reads
  // from it before the registry (--prefer-offline).
  const npmCache = path.join(workDir, 'npm-cache');
  const hostCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  if (existsSync(hostCache)) await promisify(execFile)('cp', ['-R', hostCache, npmCache]);
  else mkdirSync(npmCache);

  const stages = await build({
    dockerfile: readDockerfile(path.join(root, 'infra/docker/Dockerfile')),
    context,
    workDir,
    buildArgs: { SERVICE },
    npmCache,
    log: (line) => log.push(line),
  });
  const last = stages.at(-1);
  if (!last) throw new Error('the Dockerfile has no stage');
  image = last;
}, 1_800_000);

afterAll(async () => {
  if (server) await stopServer(server);
  await mail?.close();
  rmSync(workDir, { recursive: true, force: true });
}, 180_000);

describe.skipIf(!git)('infra/docker/Dockerfile, built and started without a container engine', () => {
  it('is based on the Node major this machine runs, so the build here stands for the image', () => {
    const major = /^node:(\d+)/.exec(image.from)?.[1];
    expect(major, image.from).toBe(process.versions.node.split('.')[0]);
  });

  it('runs as an unprivileged user and exposes the port it listens on', () => {
    expect(['root', '0', '']).not.toContain(image.user);
    expect(image.expose).toContain(image.env.PORT);
    expect(image.env.NODE_ENV).toBe('production');
  });

  it('holds the build and the production dependencies only: no source, no development packages', () => {
    const app = onHost(image.root, image.workdir);
    expect(existsSync(path.join(app, 'apps/all-in-one/dist/main.js'))).toBe(true);
    for (const service of ['identity', 'finance', 'realtime']) {
      expect(existsSync(path.join(app, `services/${service}/dist/server.js`)), service).toBe(true);
      expect(existsSync(path.join(app, `services/${service}/migrations`)), service).toBe(true);
      expect(existsSync(path.join(app, `services/${service}/src`)), service).toBe(false);
    }
    expect(existsSync(path.join(app, 'node_modules/@expensio/common/package.json'))).toBe(true);
    for (const devOnly of ['tsx', 'esbuild', 'typescript', 'vitest', 'eslint'])
      expect(existsSync(path.join(app, 'node_modules', devOnly)), devOnly).toBe(false);
  });

  it('starts with its CMD as its USER: /health and /ready answer 200, a user registers, and its HEALTHCHECK passes', async () => {
    const port = await freePort();
    const [command = '', ...args] = image.command;
    const user = imageUser(image.user);
    mail = await startMailSink();
    const env = containerEnv(port, mail.url);
    const started = spawnServer({ command, args, cwd: onHost(image.root, image.workdir), env, port, ...user });
    server = started;
    await untilHealthy(started).catch((error: unknown) => {
      throw new Error(`${String(error)}\nbuild log:\n${log.join('\n').slice(-20_000)}`);
    });

    expect((await fetch(`${started.base}/health`)).status).toBe(200);
    const ready = await fetch(`${started.base}/ready`);
    expect(ready.status, await ready.clone().text()).toBe(200);
    const registered = await fetch(`${started.base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `image-${String(Date.now())}@example.com`, password: PASSWORD }),
    });
    expect(registered.status, await registered.clone().text()).toBe(201);
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const profile = await fetch(`${started.base}/api/auth/profile`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(profile.status).toBe(200);

    // The image's own health check, run as Docker runs it: inside the container, as its user.
    const [check = '', ...checkArgs] = image.healthcheck ?? [];
    expect(check, 'the image has a HEALTHCHECK').not.toBe('');
    await promisify(execFile)(check, checkArgs, { cwd: onHost(image.root, image.workdir), env, ...user });

    await stopServer(started);
    // SIGTERM, as `docker stop` sends it to PID 1 (the CMD execs node): a clean exit.
    expect(await started.exited).toBe(0);
  }, 300_000);
});
