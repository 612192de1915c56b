import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from 'esbuild';
import type { Plugin } from 'vite';

/**
 * What the build tier (vitest.dist.config.ts) needs to run the source's tests against `npm run
 * build`'s output: the workspaces, where each source file's build is, and whether that build is
 * there and made from today's source.
 */
export const repositoryRoot = path.resolve(import.meta.dirname, '..');

/** The folders whose `src/` the build compiles into `dist/` (npm run build, ADR 0020). */
export const WORKSPACE_GROUPS = ['packages', 'services', 'apps'] as const;

const sourceFile = new RegExp(`^(${escape(repositoryRoot)}/(?:${WORKSPACE_GROUPS.join('|')})/[^/]+)/src/(.+)\\.ts$`);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The built file of a workspace's source file (`<ws>/src/a/b.ts` → `<ws>/dist/a/b.js`); undefined for any other file. */
export function builtFileOf(file: string): string | undefined {
  const match = sourceFile.exec(file.split('?')[0] ?? file);
  return match ? `${match[1] ?? ''}/dist/${match[2] ?? ''}.js` : undefined;
}

/** Matches every built file of a workspace: what the build tier hands to Node's own loader. */
export const builtFiles = new RegExp(`^${escape(repositoryRoot)}/(?:${WORKSPACE_GROUPS.join('|')})/[^/]+/dist/`);

/**
 * A Vite resolver that sends every import of a workspace's TypeScript source, whether written as
 * `../src/index.js` or as `@expensio/<name>`, to that file's build. The built files are then
 * external (vitest.dist.config.ts): Node loads them itself, with `--conditions=expensio-dist`, as
 * production does, so no workspace source is ever transformed or run in this tier.
 */
export function loadWorkspacesFromBuild(): Plugin {
  return {
    name: 'expensio:load-workspaces-from-build',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (resolved === null) return null;
      const built = builtFileOf(resolved.id);
      if (built === undefined) return resolved;
      if (!existsSync(built)) this.error(`${built} is missing (for ${resolved.id}): run \`npm run build\` first`);
      return { ...resolved, id: built };
    },
  };
}

function sourceFilesOf(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(dir, file));
}

/**
 * What is wrong with the build against the source now: a source file with no built file, or one
 * built from other text (esbuild's source map carries the source it compiled, so this compares
 * contents, not dates that a checkout resets). Empty when the build is complete and current.
 */
export function staleBuildFiles(root = repositoryRoot): string[] {
  const problems: string[] = [];
  for (const group of WORKSPACE_GROUPS) {
    const groupDir = path.join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const workspace of readdirSync(groupDir)) {
      const src = path.join(groupDir, workspace, 'src');
      for (const file of sourceFilesOf(src)) {
        const relative = path.relative(root, file);
        const map = path.join(groupDir, workspace, 'dist', path.relative(src, file).replace(/\.ts$/, '.js.map'));
        if (!existsSync(map)) {
          problems.push(`${relative}: not built`);
          continue;
        }
        const source = readFileSync(file, 'utf8');
        const { sourcesContent = [] } = JSON.parse(readFileSync(map, 'utf8')) as { sourcesContent?: string[] };
        // A file of types only compiles to nothing, and its map names no source: it is current as
        // long as the source still compiles to nothing.
        const current = sourcesContent.length === 0 ? transformSync(source, { loader: 'ts' }).code.trim() === '' : sourcesContent[0] === source;
        if (!current) problems.push(`${relative}: built from an older version`);
      }
    }
  }
  return problems;
}
