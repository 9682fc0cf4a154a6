// What every command-line tool shares (scripts/, `npm run plan`, the benchmarks): flags parsed with
// node:util, `--help`, one-line errors for the expected failures (exit 2 for usage, another code
// for the rest) and no stack trace unless something truly unexpected happened.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a tool writes: results to `out` (stdout), progress and errors to `err` (stderr). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** A mistake in how the tool was called: exit code 2 and one line naming it. */
export class UsageError extends Error {}

/** An expected failure that is not the caller's typing (missing CLI, API refused, …). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Parses `argv` against `options` (plus `--help`). Returns undefined when help was asked for;
 * throws UsageError, in one short line, for anything node:util refuses.
 */
export function parseCli<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  allowPositionals = false,
) {
  let parsed;
  try {
    const all = { ...options, help: { type: 'boolean', short: 'h' } } as const;
    parsed = parseArgs({ args: argv, options: all, allowPositionals, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
    const positional = /Unexpected argument '([^']+)'/.exec(message)?.[1];
    throw new UsageError(
      unknown
        ? `unknown option ${unknown}`
        : positional
          ? `unexpected argument "${positional}"`
          : message.split('\n')[0].replace(/^Option '([^']+)'/, '$1'),
    );
  }
  return (parsed.values as { help?: boolean }).help ? undefined : parsed;
}

/** A number of seconds from a flag, refusing anything that is not a finite number ≥ 0. */
export function seconds(raw: string, flag: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${flag} takes a number of seconds (0 or more), got "${raw}"`);
  }
  return value;
}

/**
 * A tool's `main(argv, io, …)`: runs its `body` and turns the outcome into an exit code. UsageError
 * → 2 with a pointer to `--help`, CliError → its own code, both as one line on stderr. `body`
 * resolving to undefined means help was asked for: `help` is printed and the exit code is 0.
 */
export function cliTool<A extends unknown[]>(
  tool: string,
  help: string,
  body: (argv: string[], io: CliIo, ...rest: A) => Promise<number | undefined>,
) {
  return async (argv: string[], io: CliIo, ...rest: A): Promise<number> => {
    try {
      const code = await body(argv, io, ...rest);
      if (code === undefined) io.out(help);
      return code ?? 0;
    } catch (error) {
      if (!(error instanceof UsageError || error instanceof CliError)) throw error;
      io.err(`${tool}: ${error.message}${error instanceof UsageError ? ' (see --help)' : ''}`);
      return error instanceof CliError ? error.exitCode : 2;
    }
  };
}

/** The entry point of a tool run as a script: sets the exit code, lets stdout drain. */
export function runAsScript(main: (argv: string[], io: CliIo) => Promise<number>): void {
  const io: CliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  main(process.argv.slice(2), io).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      // Only bugs reach here; their stack trace is what a maintainer needs.
      console.error(error);
      process.exitCode = 70;
    },
  );
}
