import * as pulumi from '@pulumi/pulumi';
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';

const ROOT = join(__dirname, '..');

export interface ServiceBundle {
  /** The process (Cloud Run) or the Functions entry. */
  readonly entry: 'main' | 'function';
  /** The minified service, its dependencies included. */
  readonly code: string;
  /** First 16 hex digits of the SHA-256 of the upload: the same tree gives the same name. */
  readonly hash: string;
}

/** The Node major the service is built for and deploys on (test/nodeRuntime.test.ts). */
export const NODE_MAJOR = 24;

/** The package.json Cloud Functions' Node.js build reads: it finds `main` and adds nothing else. */
export function functionPackageJson(): string {
  const pkg = {
    name: 'cx-webhook',
    private: true,
    main: 'index.js',
    engines: { node: `>=${NODE_MAJOR}` },
    dependencies: { '@google-cloud/functions-framework': '^5.0.0' },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/**
 * Builds `service/` into one file with esbuild. Deterministic: the same sources give the same
 * bytes, so an unchanged tree uploads nothing and rolls no revision.
 */
export function buildServiceBundle(
  entry: ServiceBundle['entry'],
  options: { minify?: boolean } = {},
): ServiceBundle {
  const result = buildSync({
    entryPoints: [join(ROOT, 'service', `${entry}.ts`)],
    bundle: true,
    platform: 'node',
    target: `node${NODE_MAJOR}`,
    format: 'cjs',
    minify: options.minify ?? true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    // gaxios imports node-fetch only when no fetch implementation is given; the service always
    // passes Node's own, so the package would be dead weight.
    external: ['node-fetch'],
    absWorkingDir: ROOT,
    // Two libraries the service never exercises, replaced by small stand-ins: iconv-lite (see its
    // comment), and mime-db (150 KiB) by the types the service names through Express's res.type()
    // and req.is(), so any other type resolves to none rather than a wrong one.
    alias: {
      'iconv-lite': './infra/bundleShims/iconv-lite.js',
      'mime-db': './infra/bundleShims/mime-db.json',
    },
  });
  const code = result.outputFiles[0].text;
  const hasher = createHash('sha256').update(code);
  if (entry === 'function') hasher.update(functionPackageJson());
  return { entry, code, hash: hasher.digest('hex').slice(0, 16) };
}

/**
 * Writes the bundle as `index.js` in a gzipped tarball, the format Cloud Run's source deploy takes,
 * and returns its path. Entries carry no timestamps or owners, so equal code gives equal bytes.
 */
export function writeRunArchive(bundle: ServiceBundle, outDir = join(ROOT, 'build', 'bundles')) {
  const staging = join(outDir, `run-${bundle.hash}`);
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'index.js'), bundle.code);
  const file = join(outDir, `webhook-run-${bundle.hash}.tar.gz`);
  tar.create({ gzip: true, portable: true, noMtime: true, sync: true, file, cwd: staging }, [
    'index.js',
  ]);
  return file;
}

/** The Cloud Functions source: a zip (Pulumi zips an archive) of the bundle and package.json. */
export const functionArchive = (bundle: ServiceBundle) =>
  new pulumi.asset.AssetArchive({
    'index.js': new pulumi.asset.StringAsset(bundle.code),
    'package.json': new pulumi.asset.StringAsset(functionPackageJson()),
  });
