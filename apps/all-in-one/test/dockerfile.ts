import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A Dockerfile built without a container engine, for dockerfile.integration.test.ts: every stage
 * gets its own directory standing for its filesystem, and its instructions run in order there.
 *
 * What stands in for what: a path the Dockerfile makes its own (WORKDIR /src, /manifests, /data)
 * lives under the stage's directory; a path of the base image's Debian filesystem (/bin, /usr,
 * /tmp, ...) is this machine's, and so is `node` — the test checks its major version is the base
 * image's. The base image's one user, `node`, is uid/gid 1000 when the test runs as root (as CI
 * does) and this machine's own user otherwise.
 */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

/** Instructions the builder runs; anything else fails loudly rather than being skipped. */
const KNOWN = new Set(['FROM', 'ARG', 'ENV', 'WORKDIR', 'COPY', 'RUN', 'USER', 'EXPOSE', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT', 'LABEL']);

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    // Comments (and the syntax directive) are dropped, even between continued lines, as Docker does.
    if (/^\s*#/.test(line)) return;
    if (pending === '') {
      if (line.trim() === '') return;
      startLine = index + 1;
    }
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const whole = (pending + line).trim();
    pending = '';
    const match = /^(\S+)\s+([\s\S]*)$/.exec(whole);
    if (!match) throw new Error(`Dockerfile line ${String(startLine)}: cannot read "${whole}"`);
    const keyword = (match[1] ?? '').toUpperCase();
    if (!KNOWN.has(keyword)) throw new Error(`Dockerfile line ${String(startLine)}: ${keyword} is not emulated by the test's builder`);
    instructions.push({ keyword, args: match[2] ?? '', line: startLine });
  });

  const dockerfile: Dockerfile = { globalArgs: {}, stages: [] };
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!from) throw new Error(`Dockerfile line ${String(instruction.line)}: FROM ${instruction.args}`);
      dockerfile.stages.push({ from: from[1] ?? '', name: from[2] ?? String(dockerfile.stages.length), instructions: [] });
      continue;
    }
    const stage = dockerfile.stages.at(-1);
    if (stage) {
      stage.instructions.push(instruction);
    } else if (instruction.keyword === 'ARG') {
      const [name, value] = splitAssignment(instruction.args);
      dockerfile.globalArgs[name] = value;
    } else {
      throw new Error(`Dockerfile line ${String(instruction.line)}: ${instruction.keyword} before the first FROM`);
    }
  }
  return dockerfile;
}

function splitAssignment(text: string): [string, string | undefined] {
  const at = text.indexOf('=');
  return at === -1 ? [text.trim(), undefined] : [text.slice(0, at).trim(), unquote(text.slice(at + 1).trim())];
}

function unquote(value: string): string {
  return /^".*"$/.test(value) || /^'.*'$/.test(value) ? value.slice(1, -1) : value;
}

/** `${NAME}` and `$NAME` from the variables in scope, as Docker substitutes in ENV, WORKDIR, COPY and FROM. */
function substitute(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_all, braced: string | undefined, bare: string | undefined) => vars[braced ?? bare ?? ''] ?? '',
  );
}

/** ENV's forms: `KEY=value KEY2="value two"` or the legacy `KEY value`. */
function parseEnv(args: string): [string, string][] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [key = '', ...rest] = args.split(/\s+/);
    return [[key, rest.join(' ')]];
  }
  const pairs: [string, string][] = [];
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) pairs.push([match[1] ?? '', unquote(match[2] ?? '')]);
  return pairs;
}

/** The exec form (a JSON array), or the shell form run by /bin/sh -c. */
function commandOf(args: string): string[] {
  const trimmed = args.trim();
  return trimmed.startsWith('[') ? (JSON.parse(trimmed) as string[]) : ['/bin/sh', '-c', trimmed];
}

/** The top-level directories of the base image's Debian filesystem: this machine's stand in for them. */
const BASE_DIRECTORIES = new Set([
  'bin',
  'boot',
  'dev',
  'etc',
  'home',
  'lib',
  'lib64',
  'media',
  'mnt',
  'opt',
  'proc',
  'root',
  'run',
  'sbin',
  'srv',
  'sys',
  'tmp',
  'usr',
  'var',
]);

function isBasePath(containerPath: string): boolean {
  return BASE_DIRECTORIES.has(containerPath.split('/')[1] ?? '');
}

/** Where a path of a stage's filesystem lives on this machine. */
export function onHost(root: string, containerPath: string): string {
  return isBasePath(containerPath) ? containerPath : path.join(root, containerPath);
}

/** A RUN command with the Dockerfile's own absolute paths moved under the stage's directory. */
function mapCommand(root: string, command: string): string {
  return command.replace(/(^|[\s'"=(;])(\/[A-Za-z0-9_.-]+(?:\/[^\s'";|&)]*)?)/g, (_all, before: string, absolute: string) => before + onHost(root, absolute));
}

/** .dockerignore's patterns as Docker reads them: `**`, `*`, `?`, `!` exceptions, the last match wins. */
export function dockerignore(text: string): (file: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const pattern = path.posix
        .normalize(exception ? line.slice(1) : line)
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      const source = pattern
        .split(/(\*\*\/?|\*|\?)/)
        .map((part) =>
          part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      return { exception, regex: new RegExp(`^${source}$`) };
    });
  return (file) => {
    const parts = file.split('/');
    // A file is left out when it or any directory above it matches.
    const candidates = parts.map((_part, index) => parts.slice(0, index + 1).join('/'));
    let ignored = false;
    for (const rule of rules) if (candidates.some((candidate) => rule.regex.test(candidate))) ignored = !rule.exception;
    return ignored;
  };
}

/** Copies a file list from `from` to `to`, symbolic links as links and modes kept. */
export function copyFiles(from: string, to: string, files: readonly string[]): void {
  for (const file of files) {
    const source = path.join(from, file);
    const target = path.join(to, file);
    mkdirSync(path.dirname(target), { recursive: true });
    const stat = lstatSync(source);
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else copyFileSync(source, target);
  }
}

export interface BuildOptions {
  dockerfile: Dockerfile;
  /** The build context, already without what .dockerignore leaves out. */
  context: string;
  /** Empty directory for the stages' filesystems. */
  workDir: string;
  buildArgs: Record<string, string>;
  /** A private npm cache (the Dockerfile may clean it), read with --prefer-offline. */
  npmCache: string;
  /** Each RUN's output, for the test's log. */
  log?: (line: string) => void;
}

/** What a stage ends as: the image a container of it would run. */
export interface BuiltStage {
  name: string;
  from: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string;
  command: string[];
  expose: string[];
  healthcheck?: string[];
}

/** The base image's users, by name, as numeric ids this machine can use. */
export function imageUser(name: string): { uid: number; gid: number } {
  if (name === 'root' || name === '0') return { uid: 0, gid: 0 };
  const asRoot = process.getuid?.() === 0;
  if (name === 'node' || name === '1000') return asRoot ? { uid: 1000, gid: 1000 } : { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 };
  throw new Error(`the base image has no user ${name}`);
}

/** `chown` with the base image's user names, which this machine's /etc/passwd does not have. */
function writeShims(directory: string): void {
  mkdirSync(directory, { recursive: true });
  const node = imageUser('node');
  const script = [
    '#!/bin/sh',
    '# The base image names its user `node`; this machine knows it by number.',
    'for arg do',
    '  shift',
    '  case "$arg" in',
    `    node:node) arg=${String(node.uid)}:${String(node.gid)} ;;`,
    `    node) arg=${String(node.uid)} ;;`,
    '  esac',
    '  set -- "$@" "$arg"',
    'done',
    'exec /bin/chown "$@"',
    '',
  ].join('\n');
  writeFileSync(path.join(directory, 'chown'), script);
  chmodSync(path.join(directory, 'chown'), 0o755);
}

/** Builds every stage in order; returns each stage's final state, the last one last. */
export async function build(options: BuildOptions): Promise<BuiltStage[]> {
  const { dockerfile, context, workDir, buildArgs, npmCache, log } = options;
  const shims = path.join(workDir, 'bin');
  writeShims(shims);
  const home = path.join(workDir, 'home');
  mkdirSync(home, { recursive: true });
  const globals: Record<string, string | undefined> = { ...dockerfile.globalArgs };
  for (const name of Object.keys(globals)) if (buildArgs[name] !== undefined) globals[name] = buildArgs[name];
  const built: BuiltStage[] = [];

  for (const stage of dockerfile.stages) {
    const from = substitute(stage.from, globals);
    const root = path.join(workDir, 'stages', stage.name);
    const parent = built.find((b) => b.name === from);
    if (parent) cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true });
    else mkdirSync(root, { recursive: true });
    const state: BuiltStage = parent
      ? { ...parent, name: stage.name, from: parent.from, root, env: { ...parent.env }, expose: [...parent.expose] }
      : { name: stage.name, from, root, workdir: '/', env: {}, user: 'root', command: ['node'], expose: [] };
    const args: Record<string, string | undefined> = {};
    let entrypoint: string[] = [];
    let cmd = state.command;
    const scope = () => ({ ...args, ...state.env });

    for (const instruction of stage.instructions) {
      const where = `Dockerfile line ${String(instruction.line)} (stage ${stage.name}, ${instruction.keyword})`;
      switch (instruction.keyword) {
        case 'ARG': {
          const [name, fallback] = splitAssignment(instruction.args);
          args[name] = buildArgs[name] ?? (fallback === undefined ? globals[name] : substitute(fallback, scope()));
          break;
        }
        case 'ENV':
          for (const [key, value] of parseEnv(instruction.args)) state.env[key] = substitute(value, scope());
          break;
        case 'WORKDIR':
          state.workdir = path.posix.resolve(state.workdir, substitute(instruction.args.trim(), scope()));
          mkdirSync(onHost(root, state.workdir), { recursive: true });
          break;
        case 'COPY':
          copy(instruction.args, { where, root, state, context, built, vars: scope() });
          break;
        case 'RUN': {
          const [command = '', ...rest] = commandOf(instruction.args);
          const mapped = [command, ...rest.map((arg) => mapCommand(root, arg))];
          const env: Record<string, string> = {};
          for (const [key, value] of Object.entries(scope())) if (value !== undefined) env[key] = value.startsWith('/') ? onHost(root, value) : value;
          log?.(`${where}: ${instruction.args}`);
          try {
            const { stdout, stderr } = await promisify(execFile)(command, mapped.slice(1), {
              cwd: onHost(root, state.workdir),
              env: {
                ...env,
                PATH: `${shims}:${process.env.PATH ?? '/usr/bin:/bin'}`,
                HOME: home,
                npm_config_cache: npmCache,
                npm_config_prefer_offline: 'true',
                npm_config_update_notifier: 'false',
              },
              maxBuffer: 64 * 1024 * 1024,
            });
            log?.(stdout + stderr);
          } catch (error) {
            const failed = error as Error & { stdout?: string; stderr?: string };
            throw new Error(`${where} failed: ${instruction.args}\n${failed.stdout ?? ''}${failed.stderr ?? failed.message}`, { cause: error });
          }
          break;
        }
        case 'USER':
          state.user = substitute(instruction.args.trim(), scope());
          break;
        case 'EXPOSE':
          state.expose.push(...instruction.args.trim().split(/\s+/));
          break;
        case 'HEALTHCHECK': {
          const check = /CMD\s+([\s\S]*)$/.exec(instruction.args);
          if (check) state.healthcheck = commandOf(check[1] ?? '');
          break;
        }
        case 'CMD':
          cmd = commandOf(instruction.args);
          break;
        case 'ENTRYPOINT':
          entrypoint = commandOf(instruction.args);
          break;
        case 'LABEL':
          break;
        default:
          throw new Error(`${where}: not emulated`);
      }
    }
    state.command = [...entrypoint, ...cmd];
    built.push(state);
  }
  return built;
}

interface CopyScope {
  where: string;
  root: string;
  state: BuiltStage;
  context: string;
  built: BuiltStage[];
  vars: Record<string, string | undefined>;
}

/** COPY [--from=stage] source... destination, with Docker's rules for directories. */
function copy(args: string, scope: CopyScope): void {
  const words = substitute(args, scope.vars).trim().split(/\s+/);
  let from: BuiltStage | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() ?? '';
    const stageName = /^--from=(.+)$/.exec(flag)?.[1];
    if (stageName === undefined) throw new Error(`${scope.where}: ${flag} is not emulated`);
    from = scope.built.find((b) => b.name === stageName);
    if (!from) throw new Error(`${scope.where}: no earlier stage ${stageName}`);
  }
  const destination = words.pop() ?? '';
  if (words.length === 0) throw new Error(`${scope.where}: COPY without a source`);
  const target = onHost(scope.root, path.posix.resolve(scope.state.workdir, destination));
  for (const source of words) {
    if (/[*?[]/.test(source)) throw new Error(`${scope.where}: wildcards are not emulated (${source})`);
    const resolved = from ? onHost(from.root, path.posix.resolve('/', source)) : path.join(scope.context, source);
    if (!resolved.startsWith(from ? from.root : scope.context))
      throw new Error(`${scope.where}: ${source} is outside the ${from ? `stage ${from.name}` : 'build context'}`);
    if (!existsSync(resolved)) throw new Error(`${scope.where}: ${source} does not exist in ${from ? `stage ${from.name}` : 'the build context'}`);
    if (statSync(resolved).isDirectory()) {
      // A directory's contents, not the directory itself, go to the destination.
      cpSync(resolved, target, { recursive: true, verbatimSymlinks: true });
    } else {
      const intoDirectory = destination.endsWith('/') || words.length > 1 || (existsSync(target) && statSync(target).isDirectory());
      const file = intoDirectory ? path.join(target, path.basename(resolved)) : target;
      mkdirSync(path.dirname(file), { recursive: true });
      copyFileSync(resolved, file);
    }
  }
}

export function readDockerfile(file: string): Dockerfile {
  return parseDockerfile(readFileSync(file, 'utf8'));
}
