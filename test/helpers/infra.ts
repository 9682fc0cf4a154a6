import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeGcpOptions } from '../../infra/plan/fakeGcp';
import {
  isSecret,
  type ProgramRun,
  type RecordedResource,
  type RunOptions,
} from '../../infra/plan/recorder';
import { readStackConfig, stackConfigFrom, type StackConfig } from '../../infra/plan/stackConfig';

export const ROOT = join(__dirname, '..', '..');
export const BOOTSTRAP_DIR = join(ROOT, 'bootstrap');
/**
 * The behaviour tests' own stack files (test/fixtures/stacks), so that a team's values in the
 * committed stack files never change what a test expects. Tests of the committed stack files check
 * only the rules every stack keeps.
 */
const FIXTURE_STACKS = join(__dirname, '..', 'fixtures', 'stacks');

/** The stacks that have a `Pulumi.<stack>.yaml` in `dir`: whatever a team has committed. */
export function stackNames(dir = ROOT): string[] {
  return readdirSync(dir)
    .flatMap((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1] ?? [])
    .sort();
}

/** A fixture stack's config as the Pulumi CLI would hand it to the app or the bootstrap program. */
export function fixtureStack(stack: string, project: 'app' | 'bootstrap' = 'app'): StackConfig {
  return project === 'app'
    ? readStackConfig(stack, ROOT, FIXTURE_STACKS)
    : readStackConfig(stack, BOOTSTRAP_DIR, join(FIXTURE_STACKS, 'bootstrap'));
}

export const KEY = (k: string) => `cx-webhook-kit:${k}`;

/**
 * The smallest stacks docs/configuration.md allows: a project, an agent (created or
 * existing), and a profile unless the stack is named dev or prod.
 */
export const MINIMAL_STACKS: Record<string, { stack: string; config: Record<string, unknown> }> = {
  'dev with a created agent': {
    stack: 'dev',
    config: { [KEY('webhookProject')]: 'acme-min-dev', [KEY('createAgent')]: true },
  },
  'prod with an existing agent': {
    stack: 'prod',
    config: {
      [KEY('webhookProject')]: 'acme-min-prod',
      [KEY('agentId')]: 'agent-1',
      [KEY('alerts')]: { email: 'oncall@acme.example' },
    },
  },
  'another name with its profile': {
    stack: 'staging',
    config: {
      [KEY('webhookProject')]: 'acme-min-staging',
      [KEY('agentId')]: 'agent-2',
      [KEY('profile')]: 'prod',
      [KEY('alerts')]: { email: 'oncall@acme.example' },
    },
  },
};

// Each isolated Pulumi runtime adds its own process 'exit' hook; a suite runs the program several times.
process.setMaxListeners(50);

/**
 * Runs the real program (or `program`, a Pulumi project named `project`) under the recording mocks
 * with a fixture stack's config (or `stackFile`), plus overrides of the project's keys (`null`
 * removes a key). Each run gets a fresh module registry, so a fresh Pulumi runtime.
 */
export async function runStack(
  stack: string,
  overrides: Record<string, string | null> = {},
  options: {
    secretKeys?: string[];
    fakeGcp?: FakeGcpOptions;
    stackFile?: StackConfig;
    onConstructed?: RunOptions['onConstructed'];
    project?: string;
    program?: string;
  } = {},
): Promise<ProgramRun> {
  const { config, secretKeys } = options.stackFile ?? fixtureStack(stack);
  const key = (k: string) => (options.project ? `${options.project}:${k}` : KEY(k));
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete config[key(k)];
    else config[key(k)] = v;
  }
  let run: ProgramRun | undefined;
  await jest.isolateModulesAsync(async () => {
    // A require inside the isolated registry loads a fresh Pulumi runtime with the program.
    const recorder =
      require('../../infra/plan/recorder') as typeof import('../../infra/plan/recorder');
    const { runProgram } = recorder;
    run = await runProgram({
      stack,
      config,
      secretKeys: [...secretKeys, ...(options.secretKeys ?? []).map(key)],
      fakeGcp: options.fakeGcp,
      onConstructed: options.onConstructed,
      project: options.project,
      program: options.program,
    });
  });
  if (!run) throw new Error('the program did not run');
  return run;
}

export function all(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string, name?: string): RecordedResource {
  const found = all(run, type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${type}${name ? ` "${name}"` : ''}, found ${found.length}`);
  }
  return found[0];
}

/** The provider's logical name (`webhook`, `agent`) from a `urn::id` reference. */
export const providerName = (r: { provider?: string }) => r.provider?.split('::')[3];

export const dependsOn = (r: RecordedResource, target: RecordedResource) =>
  r.dependencies.includes(target.urn);

/**
 * Whether `r` waits for `target`: directly, through the resources it waits for, or through its
 * parent's, since the SDK registers a child only after its parent, and a component only after what
 * it depends on (@pulumi/pulumi runtime/resource.js, prepareResource; test/infra/components/
 * dependsOn.test.ts).
 */
export function waitsFor(run: ProgramRun, r: RecordedResource, target: RecordedResource): boolean {
  const byUrn = new Map(run.resources.map((x) => [x.urn, x]));
  const seen = new Set<string>();
  const next = (x: RecordedResource | undefined) => [
    ...(x?.dependencies ?? []),
    ...(x?.parent ? [x.parent] : []),
  ];
  const queue = next(r);
  while (queue.length > 0) {
    const urn = queue.pop() as string;
    if (urn === target.urn) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    queue.push(...next(byUrn.get(urn)));
  }
  return false;
}

/** Runs the program with the config the CLI would give a stack file of just `config`. */
export const runMinimalStack = (stack: string, config: Record<string, unknown>) =>
  runStack(stack, {}, { stackFile: stackConfigFrom(stack, { config }) });

/** The service's plain environment, from the Cloud Run container or the function. */
export function env(run: ProgramRun): Record<string, string> {
  const service = all(run, 'gcp:cloudrunv2/service:Service')[0];
  if (service) {
    const template = service.inputs.template as {
      containers: { envs: { name: string; value?: string }[] }[];
    };
    return Object.fromEntries(
      template.containers[0].envs
        .filter((e) => e.value !== undefined)
        .map((e) => [e.name, e.value as string]),
    );
  }
  const fn = one(run, 'gcp:cloudfunctionsv2/function:Function');
  return (fn.inputs.serviceConfig as { environmentVariables: Record<string, string> })
    .environmentVariables;
}

/**
 * The resources of `type` held by the program's components of type `component` (`RuntimeAccount`),
 * whose names end with `suffix`: found by what they are, whatever the stage names them.
 */
export const inComponent = (run: ProgramRun, type: string, component: string, suffix = '') =>
  all(run, type).filter(
    (r) =>
      r.parent?.split('::')[2] === `cx-webhook-kit:infra:${component}` && r.name.endsWith(suffix),
  );

/** Whether `value` appears anywhere in recorded inputs outside Pulumi's secret marker. */
export function appearsInPlaintext(tree: unknown, value: string): boolean {
  if (typeof tree === 'string') return tree.includes(value);
  if (Array.isArray(tree)) return tree.some((t) => appearsInPlaintext(t, value));
  if (!tree || typeof tree !== 'object') return false;
  if (isSecret(tree)) return false;
  return Object.values(tree).some((v) => appearsInPlaintext(v, value));
}
