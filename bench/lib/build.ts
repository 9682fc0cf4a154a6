import { buildSync } from 'esbuild';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildServiceBundle } from '../../infra/bundle';

export const ROOT = join(__dirname, '..', '..');
export const OUT = join(ROOT, 'build', 'bench');

/** The deployable bundle, exactly as the infra uploads it, written as `index.js`. */
export function writeDeployableBundle(): { path: string; bytes: number } {
  const bundle = buildServiceBundle('main');
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, 'index.js');
  writeFileSync(path, bundle.code);
  return { path, bytes: Buffer.byteLength(bundle.code) };
}

/** A baseline server bundled the same way, so every server starts from one plain JS file. */
export function buildBaseline(name: 'rawNode' | 'expressJson'): string {
  const outfile = join(OUT, `${name}.js`);
  buildSync({
    entryPoints: [join(ROOT, 'bench', 'servers', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * The service compiled file by file (no bundling), loading its dependencies from node_modules the
 * way an unbundled deployment does.
 */
export function buildUnbundled(): string {
  const outdir = join(OUT, 'unbundled');
  const files = listTs(join(ROOT, 'service'));
  buildSync({
    entryPoints: files,
    outdir,
    outbase: ROOT,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    logLevel: 'silent',
  });
  return join(outdir, 'service', 'main.js');
}

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTs(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
