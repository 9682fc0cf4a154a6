import type { CliIo } from '../../lib/cli';

/** Collects what a tool prints, so a test can read stdout and stderr apart. */
export function captureIo(): CliIo & { stdout: string[]; stderr: string[]; text: () => string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    text: () => [...stdout, ...stderr].join('\n'),
  };
}
