import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUT, ROOT } from './build';

export interface BaselineBundle {
  /** The git ref as given, and the commit it named. */
  readonly ref: string;
  readonly commit: string;
  readonly path: string;
  readonly bytes: number;
}

/**
 * The deployable bundle of another commit, built by that commit's own infra/bundle.ts in a
 * temporary worktree (sharing this checkout's node_modules), so a run can set the service before
 * and after a change side by side.
 */
export async function buildBaselineBundle(ref: string): Promise<BaselineBundle> {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const dir = mkdtempSync(join(tmpdir(), 'cx-bench-baseline-'));
  git('worktree', 'add', '--detach', dir, commit);
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const { buildServiceBundle } = (await import(join(dir, 'infra', 'bundle.ts'))) as {
      buildServiceBundle: (entry: 'main') => { code: string };
    };
    const { code } = buildServiceBundle('main');
    mkdirSync(OUT, { recursive: true });
    const path = join(OUT, `baseline-${commit.slice(0, 12)}.js`);
    writeFileSync(path, code);
    return { ref, commit, path, bytes: Buffer.byteLength(code) };
  } finally {
    git('worktree', 'remove', '--force', dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
