// npm run plan -- <stack> [--json]: runs the program offline under mocks with the stack's config
// and prints each resource, the inputs that decide its behaviour and what it depends on.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, cliTool, parseCli, runAsScript, UsageError } from '../../lib/cli';
import { runProgram } from './recorder';
import { normalizeHashes, renderText, toPlan } from './render';
import { readStackConfig } from './stackConfig';

const ROOT = join(__dirname, '..', '..');

const USAGE = `usage: npm run plan -- <stack> [--json] [--golden]

Runs the Pulumi program offline, under mocks, with the config the Pulumi CLI would give the stack
(Pulumi.<stack>.yaml), and prints a summary per component, then every resource with the inputs
that decide its behaviour, its options and what it waits for. Nothing contacts Google Cloud.

  --json     the same as JSON (pipe it: npm run -s plan -- dev --json | jq .summary); on
             failure {"error": {"message": …}} on stdout as well
  --golden   content hashes replaced by placeholders, as in infra/plan/golden/
  --help     this text

exit codes: 0 printed; 1 the stack's config or the program failed; 2 usage`;

runAsScript(
  cliTool('plan', USAGE, async (argv, io) => {
    const flag = { type: 'boolean', default: false } as const;
    const parsed = parseCli(argv, { json: flag, golden: flag }, true);
    if (!parsed) return undefined;
    const [stack, ...extra] = parsed.positionals;
    if (!stack) throw new UsageError('name a stack: npm run plan -- <stack>');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const { json, golden } = parsed.values;
    // Any failure from here on is the stack's config or the program.
    try {
      if (!existsSync(join(ROOT, `Pulumi.${stack}.yaml`))) {
        const stacks = readdirSync(ROOT).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
        throw new Error(`no stack file Pulumi.${stack}.yaml (stacks: ${stacks.join(', ')})`);
      }
      const { config, secretKeys } = readStackConfig(stack);
      const result = toPlan(stack, await runProgram({ stack, config, secretKeys }));
      const text = json ? `${JSON.stringify(result, null, 2)}\n` : renderText(result);
      process.stdout.write(golden ? normalizeHashes(text) : text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A pipe such as `| jq` reads stdout only: it gets the error as an object too.
      if (json) io.out(JSON.stringify({ error: { message } }));
      throw new CliError(message);
    }
    return 0;
  }),
);
