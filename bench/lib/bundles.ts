import { buildSync, type BuildOptions } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServiceBundle, NODE_MAJOR } from '../../infra/bundle';

export const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'build', 'bench');

export type Bundle = ReturnType<typeof write>;

function write(name: string, code: string) {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, name);
  writeFileSync(path, code);
  return { path, bytes: Buffer.byteLength(code) };
}

/** The deployable bundle, exactly as the infra uploads it, written as `index.js`. */
export const writeDeployableBundle = () => write('index.js', buildServiceBundle('main').code);

/**
 * Runs `use` on a temporary worktree of `ref` (sharing this checkout's node_modules), then removes
 * it: another commit's code, never checked out into this tree.
 */
export async function atCommit<T>(
  ref: string,
  use: (dir: string, commit: string) => Promise<T> | T,
): Promise<T> {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const dir = mkdtempSync(join(tmpdir(), 'cx-bench-'));
  git('worktree', 'add', '--quiet', '--detach', dir, commit);
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return await use(dir, commit);
  } finally {
    git('worktree', 'remove', '--force', dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Another commit's deployable bundle, built by that commit's own infra/bundle.ts. */
export const buildBaselineBundle = (ref: string) =>
  atCommit(ref, async (dir, commit) => {
    const { buildServiceBundle: build } = (await import(join(dir, 'infra', 'bundle.ts'))) as {
      buildServiceBundle: (entry: 'main') => { code: string };
    };
    return { ref, commit, ...write(`baseline-${commit.slice(0, 12)}.js`, build('main').code) };
  });

const compile = (options: BuildOptions) =>
  buildSync({
    platform: 'node',
    target: `node${NODE_MAJOR}`,
    format: 'cjs',
    logLevel: 'silent',
    ...options,
  });

/** A comparison server (bench/servers/) bundled and minified: every server is one plain JS file. */
export function buildServer(name: 'rawNode' | 'expressJson'): string {
  const outfile = join(OUT, `${name}.js`);
  const entryPoints = [join(ROOT, 'bench', 'servers', `${name}.ts`)];
  compile({ entryPoints, outfile, bundle: true, minify: true });
  return outfile;
}

/** The service compiled file by file, loading its dependencies from node_modules (unbundled). */
export function buildUnbundled(): string {
  const outdir = join(OUT, 'unbundled');
  const service = join(ROOT, 'service');
  const files = readdirSync(service, { recursive: true, encoding: 'utf8' });
  const entryPoints = files.filter((f) => f.endsWith('.ts')).map((f) => join(service, f));
  compile({ entryPoints, outdir, outbase: ROOT });
  return join(outdir, 'service', 'main.js');
}
