import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a script of scripts/ in its own Node process, as `npm run` does (through tsx), with
 * `input` piped to its stdin. Bounded: killed after `timeoutMs`.
 */
export function runTool(
  script: string,
  args: string[],
  options: {
    input?: string;
    env?: Record<string, string>;
    preload?: string;
    timeoutMs?: number;
  } = {},
): Promise<ToolRun> {
  const preload = options.preload ? ['--require', options.preload] : [];
  const child = spawn(
    process.execPath,
    [...preload, '--import', 'tsx', join(ROOT, script), ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
