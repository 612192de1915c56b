import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build, dockerignore, onHost, parseDockerfile } from './dockerfile.js';

// The builder dockerfile.integration.test.ts runs the real Dockerfile with, on small Dockerfiles:
// it must fail where Docker fails, or that test could pass with a broken step.

const scratch = mkdtempSync(path.join(tmpdir(), 'expensio-builder-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

let runs = 0;
async function buildText(text: string, buildArgs: Record<string, string> = {}) {
  runs += 1;
  const dir = path.join(scratch, String(runs));
  const context = path.join(dir, 'context');
  mkdirSync(path.join(context, 'app'), { recursive: true });
  writeFileSync(path.join(context, 'app', 'hello.txt'), 'hello');
  const workDir = path.join(dir, 'work');
  mkdirSync(workDir);
  const npmCache = path.join(dir, 'cache');
  return build({ dockerfile: parseDockerfile(text), context, workDir, buildArgs, npmCache });
}

describe('the test builder for Dockerfiles', () => {
  it('runs stages in order: WORKDIR, COPY, RUN with its own absolute paths, COPY --from, ARG and ENV', async () => {
    const stages = await buildText(
      `
ARG BASE=node:20-bookworm-slim
FROM \${BASE} AS first
WORKDIR /src
COPY . .
# a comment between instructions
RUN mkdir /out \\
 && cp app/hello.txt /out/ \\
 && echo "$GREETING" > /out/greeting.txt
FROM \${BASE} AS second
ARG NAME=plain
ENV LABEL=\${NAME} DATA_DIR=/data
WORKDIR /app
COPY --from=first /out/ ./
RUN test -f hello.txt && mkdir -p /data && echo "$LABEL" > "$DATA_DIR/label"
USER node
CMD ["node", "main.js"]
`,
      { NAME: 'given' },
    );
    const [first, second] = stages;
    if (first === undefined || second === undefined) throw new Error('two stages expected');
    expect(first.from).toBe('node:20-bookworm-slim');
    expect(readFileSync(onHost(first.root, '/out/hello.txt'), 'utf8')).toBe('hello');
    expect(readFileSync(path.join(onHost(second.root, '/app'), 'hello.txt'), 'utf8')).toBe('hello');
    expect(readFileSync(onHost(second.root, '/data/label'), 'utf8').trim()).toBe('given');
    expect(second.env).toEqual({ LABEL: 'given', DATA_DIR: '/data' });
    expect(second.user).toBe('node');
    expect(second.command).toEqual(['node', 'main.js']);
    // A base image's directory stays this machine's.
    expect(onHost(second.root, '/tmp/x')).toBe('/tmp/x');
  });

  it('fails on a RUN that fails, naming its line', async () => {
    await expect(buildText('FROM node:20 AS only\nWORKDIR /src\nCOPY . .\nRUN test -f app/missing.txt\n')).rejects.toThrow(/line 4 \(stage only, RUN\) failed/);
  });

  it('fails on a COPY of something that is not there, and on an instruction it does not emulate', async () => {
    await expect(buildText('FROM node:20 AS a\nCOPY nothing.txt ./\n')).rejects.toThrow(/nothing\.txt does not exist in the build context/);
    await expect(buildText('FROM node:20 AS a\nCOPY --from=a /x ./\n')).rejects.toThrow(/no earlier stage a/);
    expect(() => parseDockerfile('FROM node:20\nVOLUME /data\n')).toThrow(/VOLUME is not emulated/);
  });
});

describe('.dockerignore as Docker reads it', () => {
  const ignored = dockerignore('# comment\n**/node_modules\ndist\n*.log\n**/*.test.ts\ndocs\n!docs/keep.md\n');
  it.each([
    ['node_modules/x/index.js', true],
    ['services/finance/node_modules/x.js', true],
    ['dist/main.js', true],
    ['services/finance/dist/server.js', false],
    ['error.log', true],
    ['logs/error.log', false],
    ['services/finance/src/a.test.ts', true],
    ['services/finance/src/a.ts', false],
    ['docs/benchmarks.md', true],
    ['docs/keep.md', false],
  ])('%s ignored: %s', (file, expected) => {
    expect(ignored(file)).toBe(expected);
  });

  it("leaves out what the repository's .dockerignore names", () => {
    const repo = dockerignore(readFileSync(path.resolve(import.meta.dirname, '../../../.dockerignore'), 'utf8'));
    expect(repo('.env')).toBe(true);
    expect(repo('apps/all-in-one/test/build.test.ts')).toBe(true);
    expect(repo('packages/common/src/index.ts')).toBe(false);
    expect(repo('package-lock.json')).toBe(false);
  });
});
