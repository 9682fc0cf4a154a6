// What a Dialogflow tool works on: an agent and some of its resources (the smoke flow, the
// webhook), named by the outputs of the stack given as the one positional argument (read through
// the Pulumi CLI) or else by flags of the same names.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CliError, UsageError } from '../../lib/cli';
import { agentLocation, clientOptions, parseEndpointFlags, requireChildOf } from './connection';

/** The flags every Dialogflow tool takes: the agent and the endpoint. */
export const TARGET_OPTIONS = {
  agent: { type: 'string' },
  'api-endpoint': { type: 'string' },
  insecure: { type: 'boolean', default: false },
} as const;

/** A resource of the agent, by flag `--<key>` or by the stack output `output`. */
interface AgentResource {
  /** Its collection under the agent. */
  readonly kind: 'flows' | 'webhooks';
  readonly output: string;
  /** What to do when the stack lacks that output. */
  readonly hint: string;
  /** A stack without the output is fine: the tool does without the resource. */
  readonly optional?: boolean;
}

export const SMOKE_FLOW: AgentResource = {
  kind: 'flows',
  output: 'smokeFlowName',
  hint: 'the stack has no smoke flow; set cx-webhook-kit:smokeFlow to true (the default) and run pulumi up',
};

export const WEBHOOK: AgentResource = {
  kind: 'webhooks',
  output: 'webhookName',
  hint: 'run pulumi up first',
};

type StackOutputs = Readonly<Record<string, unknown>>;

/** The Pulumi executable; `pulumi` from PATH unless told otherwise. */
export type PulumiOptions = { command?: string };

/** `pulumi stack output --json --stack <stack>`, parsed; errors say what to do instead. */
export async function readStackOutputs(
  stack: string,
  alternative: string,
  { command = 'pulumi' }: PulumiOptions = {},
): Promise<StackOutputs> {
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/.test(stack)) {
    throw new UsageError(`"${stack}" is not a Pulumi stack name`);
  }
  const args = ['stack', 'output', '--json', '--stack', stack];
  let stdout: string;
  try {
    const options = { timeout: 120_000, maxBuffer: 4 * 1024 * 1024 };
    ({ stdout } = await promisify(execFile)(command, args, options));
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new CliError(
        `the Pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/); ` +
          `install it and log in, or give ${alternative} instead of a stack name`,
        3,
      );
    }
    const reason = e.stderr?.split('\n').find((l) => l.trim() !== '') ?? e.message;
    throw new CliError(`pulumi stack output --stack ${stack} failed: ${reason.trim()}`, 3);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`pulumi stack output --stack ${stack} did not print a JSON object`, 3);
  }
  return parsed as StackOutputs;
}

/** A string output of the stack, or an error naming the output and how to get it. */
export function requireOutput(
  outputs: StackOutputs,
  key: string,
  stack: string,
  hint: string,
): string {
  const value = outputs[key];
  if (typeof value === 'string' && value !== '') return value;
  throw new CliError(`stack "${stack}" has no output "${key}": ${hint}`, 3);
}

const AGENT_HINT = 'run pulumi up with this version of the program';
type TargetFlags = { agent?: string; 'api-endpoint'?: string; insecure?: boolean };

/**
 * The agent and `resources` from the stack's outputs, or else from the flags; never a mix, so
 * nothing is taken from two places at once. Throws UsageError with `noAgent` when neither names an
 * agent, and when a named resource is not the agent's.
 */
export async function resolveTarget<K extends string>(
  parsed: { values: TargetFlags & { [k in NoInfer<K>]?: string }; positionals: readonly string[] },
  resources: { readonly [k in K]: AgentResource },
  pulumi: PulumiOptions,
  noAgent: string,
) {
  const { values, positionals } = parsed;
  const endpoint = parseEndpointFlags(values);
  const keys = Object.keys(resources) as K[];
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const [stack] = positionals;
  let agent = values.agent;
  const named: { [k in K]?: string } = {};
  if (stack === undefined) {
    for (const k of keys) named[k] = values[k];
  } else {
    const flags = ['agent', ...keys].map((k) => `--${k}`).join(', ');
    const listed = flags.replace(/, ([^,]+)$/, ' and $1');
    if (['agent', ...keys].some((k) => values[k as K] !== undefined)) {
      throw new UsageError(`give a stack name or ${listed}, not both`);
    }
    const outputs = await readStackOutputs(stack, listed, pulumi);
    agent = requireOutput(outputs, 'agentName', stack, AGENT_HINT);
    for (const k of keys) {
      const { output, hint, optional } = resources[k];
      if (!(optional && outputs[output] === undefined)) {
        named[k] = requireOutput(outputs, output, stack, hint);
      }
    }
  }
  if (agent === undefined) throw new UsageError(noAgent);
  agentLocation(agent);
  for (const k of keys) {
    const name = named[k];
    if (name !== undefined) requireChildOf(agent, resources[k].kind, name, `--${k}`);
  }
  return { agent, resources: named, options: clientOptions(agent, endpoint) };
}
