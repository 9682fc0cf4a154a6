import { parseCli, UsageError } from '../../lib/cli';

type Spec = Record<
  string,
  { default: string | boolean; help: string; choices?: readonly string[]; text?: true }
>;

type Values<S extends Spec> = {
  [K in keyof S]: S[K]['default'] extends boolean
    ? boolean
    : S[K]['choices'] extends readonly string[]
      ? S[K]['choices'][number]
      : S[K]['text'] extends true
        ? string
        : number;
};

/**
 * The flags of a bench script: `--help` prints `usage` and the flags, a mistake exits 2 with one
 * line (as the tools in scripts/ do). A flag with `choices` takes one of them, one marked `text`
 * any string; any other non-boolean flag must be a number ≥ 0.
 */
export function benchArgs<S extends Spec>(
  tool: string,
  usage: string,
  spec: S,
  argv = process.argv.slice(2),
): Values<S> {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, s]) => [
      name,
      typeof s.default === 'boolean'
        ? { type: 'boolean' as const, default: s.default }
        : { type: 'string' as const, default: s.default },
    ]),
  );
  try {
    const parsed = parseCli(argv, options);
    if (!parsed) {
      const flags = Object.entries(spec).map(
        ([name, s]) =>
          `  --${name.padEnd(20)} ${s.help}${s.choices ? ` (${s.choices.join(' | ')})` : ''} (default ${String(s.default)})`,
      );
      console.log([usage, '', ...flags, `  --${'help'.padEnd(20)} this text`].join('\n'));
      process.exit(0);
    }
    const values = parsed.values as Record<string, string | boolean>;
    return Object.fromEntries(
      Object.keys(spec).map((name) => {
        const raw = values[name];
        if (typeof raw === 'boolean') return [name, raw];
        if (spec[name].text) return [name, raw];
        const choices = spec[name].choices;
        if (choices) {
          if (!choices.includes(raw)) {
            throw new UsageError(`--${name} takes one of ${choices.join(', ')}, got "${raw}"`);
          }
          return [name, raw];
        }
        const n = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
          throw new UsageError(`--${name} takes a number (0 or more), got "${raw}"`);
        }
        return [name, n];
      }),
    ) as never;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${tool}: ${error.message} (see --help)`);
    process.exit(2);
  }
}
