import { parseCli, UsageError } from '../../lib/cli';

interface Flag {
  default: number | boolean | string;
  help: string;
  choices?: readonly string[];
  /** A number flag that takes a whole number ≥ 1 (otherwise any number ≥ 0). */
  count?: true;
}

type Values<S extends Record<string, Flag>> = {
  [K in keyof S]: S[K]['choices'] extends readonly string[]
    ? S[K]['choices'][number]
    : S[K]['default'] extends number
      ? number
      : S[K]['default'] extends boolean
        ? boolean
        : string;
};

/**
 * The flags of a bench script, typed by their defaults: `--help` prints `usage` and the flags, a
 * mistake exits 2 with one line (as the tools in scripts/ do).
 */
export function benchArgs<const S extends Record<string, Flag>>(
  tool: string,
  usage: string,
  spec: S,
  argv = process.argv.slice(2),
): Values<S> {
  const flags = Object.entries(spec);
  try {
    const parsed = parseCli(
      argv,
      Object.fromEntries(
        flags.map(([name, f]) => [
          name,
          typeof f.default === 'boolean'
            ? { type: 'boolean' as const, default: f.default }
            : { type: 'string' as const, default: String(f.default) },
        ]),
      ),
    );
    if (!parsed) {
      const lines = flags.map(
        ([name, f]) =>
          `  --${name.padEnd(20)} ${f.help}${f.choices ? ` (${f.choices.join(' | ')})` : ''} (default ${String(f.default)})`,
      );
      console.log([usage, '', ...lines, `  --${'help'.padEnd(20)} this text`].join('\n'));
      process.exit(0);
    }
    const values = parsed.values as Record<string, string | boolean>;
    return Object.fromEntries(
      flags.map(([name, f]) => {
        const raw = values[name];
        if (f.choices && !f.choices.includes(raw as string)) {
          throw new UsageError(`--${name} takes one of ${f.choices.join(', ')}, got "${raw}"`);
        }
        if (typeof f.default !== 'number') return [name, raw];
        const n = Number(raw);
        const ok = f.count ? Number.isInteger(n) && n >= 1 : Number.isFinite(n) && n >= 0;
        if ((raw as string).trim() === '' || !ok) {
          const what = f.count ? 'a whole number (1 or more)' : 'a number (0 or more)';
          throw new UsageError(`--${name} takes ${what}, got "${raw}"`);
        }
        return [name, n];
      }),
    ) as Values<S>;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${tool}: ${error.message} (see --help)`);
    process.exit(2);
  }
}
