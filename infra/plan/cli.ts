// npm run plan -- <stack> [--json]: runs the program offline under mocks with the stack's config
// and prints each resource, the inputs that decide its behaviour and what it depends on.
import { parseArgs } from 'node:util';
import { runProgram } from './recorder';
import { normalizeHashes, renderText, toPlan } from './render';
import { readStackConfig } from './stackConfig';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      golden: { type: 'boolean', default: false },
    },
  });
  const stack = positionals[0];
  if (!stack) {
    console.error('usage: npm run plan -- <stack> [--json]   (stacks: Pulumi.<stack>.yaml)');
    return 2;
  }
  const { config, secretKeys } = readStackConfig(stack);
  const plan = toPlan(stack, await runProgram({ stack, config, secretKeys }));
  const text = values.json ? `${JSON.stringify(plan, null, 2)}\n` : renderText(plan);
  process.stdout.write(values.golden ? normalizeHashes(text) : text);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`plan failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
