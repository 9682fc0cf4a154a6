import { benchArgs } from '../../../bench/lib/args';

const SPEC = {
  json: { default: false, help: 'JSON' },
  rounds: { default: 2, help: 'rounds' },
  calls: { default: 100, count: true, help: 'calls' },
  auth: { default: 'none', help: 'auth', choices: ['none', 'id-token'] },
  baseline: { default: '', help: 'a git ref' },
} as const;

/** Runs benchArgs with process.exit and the console captured; the exit is thrown to stop it. */
function run(argv: string[]) {
  const lines: string[] = [];
  const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`exit ${String(code)}`);
  });
  const log = jest.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l));
  const error = jest.spyOn(console, 'error').mockImplementation((l: string) => void lines.push(l));
  try {
    return { values: benchArgs('bench', 'usage: bench', SPEC, argv), lines };
  } catch (e) {
    return { exit: (e as Error).message, lines };
  } finally {
    exit.mockRestore();
    log.mockRestore();
    error.mockRestore();
  }
}

describe('bench flags', () => {
  it('gives numbers, booleans, choices and text, with their defaults', () => {
    const defaults = { json: false, rounds: 2, calls: 100, auth: 'none', baseline: '' };
    expect(run([]).values).toEqual(defaults);
    const argv = ['--json', '--rounds', '3', '--calls=1', '--auth', 'id-token', '--baseline', 'v2'];
    expect(run(argv).values).toEqual({
      json: true,
      rounds: 3,
      calls: 1,
      auth: 'id-token',
      baseline: 'v2',
    });
  });

  it('prints the usage and every flag on --help, and exits 0', () => {
    const { exit, lines } = run(['--help']);
    expect(exit).toBe('exit 0');
    expect(lines[0]).toMatch(/^usage: bench\n\n {2}--json .*\n {2}--rounds .*\(default 2\)/);
    expect(lines[0]).toContain('(none | id-token)');
  });

  it.each([
    [['--rounds', 'x'], 'bench: --rounds takes a number (0 or more), got "x" (see --help)'],
    [['--rounds=-1'], 'bench: --rounds takes a number (0 or more), got "-1" (see --help)'],
    [['--calls', '0'], 'bench: --calls takes a whole number (1 or more), got "0" (see --help)'],
    [['--calls', '1.5'], 'bench: --calls takes a whole number (1 or more), got "1.5" (see --help)'],
    [['--auth', 'basic'], 'bench: --auth takes one of none, id-token, got "basic" (see --help)'],
    [['--round', '3'], 'bench: unknown option --round (see --help)'],
  ])('refuses %j with one line and exit 2', (argv, line) => {
    expect(run(argv)).toEqual({ exit: 'exit 2', lines: [line] });
  });
});
