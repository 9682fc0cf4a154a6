import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakePulumi {
  /** Path of the executable, for PulumiOptions.command. */
  command: string;
  /** The arguments of the last run, one per line. */
  lastArgs(): string[];
  cleanup(): void;
}

/**
 * An executable that behaves like `pulumi stack output --json` for one stack: prints `outputs` as
 * JSON, or fails with `stderr` and `exitCode`. It records its arguments so a test can check them.
 */
export function fakePulumi(
  behaviour: { outputs: object } | { exitCode: number; stderr: string } | { stdout: string },
): FakePulumi {
  const dir = mkdtempSync(join(tmpdir(), 'cx-fake-pulumi-'));
  const command = join(dir, 'pulumi');
  const argsFile = join(dir, 'args');
  const out = join(dir, 'out');
  let body: string;
  if ('outputs' in behaviour) {
    writeFileSync(out, JSON.stringify(behaviour.outputs, null, 2));
    body = `cat '${out}'`;
  } else if ('stdout' in behaviour) {
    writeFileSync(out, behaviour.stdout);
    body = `cat '${out}'`;
  } else {
    writeFileSync(out, behaviour.stderr);
    body = `cat '${out}' >&2; exit ${behaviour.exitCode}`;
  }
  writeFileSync(command, `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\n${body}\n`);
  chmodSync(command, 0o755);
  return {
    command,
    lastArgs: () => readFileSync(argsFile, 'utf8').trimEnd().split('\n'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
