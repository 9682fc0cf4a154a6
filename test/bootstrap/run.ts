import { join } from 'node:path';
import type { RecordedResource } from '../../infra/plan/recorder';
import { readStackConfig } from '../../infra/plan/stackConfig';
import { BOOTSTRAP_DIR, fixtureStack, runStack } from '../helpers/infra';

// Runs the bootstrap program offline with the plan's recorder (infra/plan/recorder.ts: Pulumi's
// public mocks and transforms, FakeGcp's answers) and a fixture stack's config (or a committed
// stack file's), and lists its resources as the bootstrap tests read them.

export { BOOTSTRAP_DIR };
const PROJECT = 'cx-webhook-kit-bootstrap';

// Inputs are whatever the program sent; tests read the fields each type has.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Inputs = Record<string, any>;

export interface BootstrapResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Inputs;
  readonly provider?: string;
  readonly protect: boolean;
  /**
   * `type::name` of each resource it waits for: its explicit dependsOn and inputs' sources, and its
   * ancestors' (the SDK registers a child only after its parent, and a component only after what it
   * depends on; test/infra/components/dependsOn.test.ts).
   */
  readonly dependsOn: string[];
}

export interface BootstrapRun {
  readonly resources: BootstrapResource[];
  readonly outputs: Inputs;
}

/**
 * Runs bootstrap/index.ts for a fixture stack (test/fixtures/stacks/bootstrap) or a committed one,
 * with overrides of its config (`null` removes a key).
 */
export async function runBootstrap(
  stack: string,
  overrides: Record<string, string | null> = {},
  source: 'fixture' | 'committed' = 'fixture',
): Promise<BootstrapRun> {
  const run = await runStack(stack, overrides, {
    stackFile:
      source === 'committed'
        ? readStackConfig(stack, BOOTSTRAP_DIR)
        : fixtureStack(stack, 'bootstrap'),
    project: PROJECT,
    program: join(BOOTSTRAP_DIR, 'index'),
  });
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const key = (urn: string) => `${byUrn.get(urn)?.type}::${byUrn.get(urn)?.name}`;
  const waits = (r: RecordedResource | undefined): string[] =>
    r ? [...r.dependencies.map(key), ...waits(byUrn.get(r.parent ?? ''))] : [];
  return {
    resources: run.resources
      .filter((r) => r.custom)
      .map((r) => ({
        type: r.type,
        name: r.name,
        inputs: r.inputs,
        provider: r.provider,
        protect: r.options.protect === true,
        dependsOn: [...new Set(waits(r))],
      })),
    outputs: run.outputs,
  };
}
