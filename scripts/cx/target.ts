// What a Dialogflow tool works on: an agent and some of its resources (the smoke flow, the
// webhook), named by the outputs of the stack given as the one positional argument or else by
// flags of the same names, and the client options that reach the agent's API endpoint.
import { UsageError } from '../../lib/cli';
import {
  ENDPOINT_OPTIONS,
  agentLocation,
  clientOptions,
  parseEndpointFlags,
  readStackOutputs,
  requireChildOf,
  requireOutput,
  type DialogflowClientOptions,
  type PulumiOptions,
} from './connection';

/** The flags every Dialogflow tool takes: the agent and the endpoint. */
export const TARGET_OPTIONS = { agent: { type: 'string' }, ...ENDPOINT_OPTIONS } as const;

/** A resource of the agent, by flag `--<key>` or by the stack output `output`. */
export interface AgentResource {
  /** Its collection under the agent. */
  readonly kind: 'flows' | 'webhooks';
  /** The stack output that names it. */
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

const AGENT_HINT = 'run pulumi up with this version of the program';

export interface DialogflowTarget<K extends string> {
  readonly agent: string;
  readonly resources: { readonly [k in K]?: string };
  readonly options: DialogflowClientOptions;
}

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
): Promise<DialogflowTarget<K>> {
  const { values, positionals } = parsed;
  const endpoint = parseEndpointFlags(values);
  const keys = Object.keys(resources) as K[];
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const stack = positionals[0];
  let agent: string | undefined;
  const named: { [k in K]?: string } = {};
  if (stack === undefined) {
    agent = values.agent;
    for (const k of keys) named[k] = values[k];
  } else {
    const flags = ['agent', ...keys]
      .map((k) => `--${k}`)
      .join(', ')
      .replace(/, ([^,]+)$/, ' and $1');
    if (['agent', ...keys].some((k) => values[k as K] !== undefined)) {
      throw new UsageError(`give a stack name or ${flags}, not both`);
    }
    const outputs = await readStackOutputs(stack, flags, pulumi);
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
