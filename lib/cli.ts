// What every command-line tool shares (scripts/, `npm run plan`, the benchmarks): flags parsed with
// node:util, `--help`, one-line errors for the expected failures (exit 2 for usage, another code
// for the rest) and no stack trace unless something truly unexpected happened.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a tool writes: results to `out` (stdout), progress and errors to `err` (stderr). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** A mistake in how the tool was called: exit code 2 and one line naming it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An expected failure that is not the caller's typing (missing CLI, API refused, …). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util's parse errors, rephrased as one short line. */
function usageFromParseError(error: Error & { code?: string }): UsageError {
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return new UsageError(`unknown option ${unknown[1]}`);
  const positional = /Unexpected argument '([^']+)'/.exec(error.message);
  if (positional) return new UsageError(`unexpected argument "${positional[1]}"`);
  return new UsageError(error.message.split('\n')[0].replace(/^Option '([^']+)'/, '$1'));
}

/**
 * Parses `argv` against `options` (plus `--help`). Returns undefined when help was asked for, so
 * the caller prints its usage and exits 0; throws UsageError for anything node:util refuses.
 */
export function parseCli<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    throw usageFromParseError(error as Error);
  }
  if ((parsed.values as { help?: boolean }).help) return undefined;
  return parsed;
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
 * Runs a tool's `main` and turns its outcome into an exit code: UsageError → 2 with a pointer to
 * `--help`, CliError → its own code, both as one line on stderr.
 */
export async function runCli(
  tool: string,
  main: () => Promise<number>,
  io: CliIo = processIo,
): Promise<number> {
  try {
    return await main();
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${tool}: ${error.message} (see --help)`);
      return 2;
    }
    if (error instanceof CliError) {
      io.err(`${tool}: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
}

/** The entry point of a tool run as a script: sets the exit code, lets stdout drain. */
export function runAsScript(main: (argv: string[], io: CliIo) => Promise<number>): void {
  main(process.argv.slice(2), processIo).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // Only bugs reach here; their stack trace is what a maintainer needs.
      console.error(error);
      process.exitCode = 70;
    },
  );
}
