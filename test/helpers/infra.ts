import type { FakeGcpOptions } from '../../infra/plan/fakeGcp';
import type { ProgramRun, RecordedResource } from '../../infra/plan/recorder';
import { readStackConfig } from '../../infra/plan/stackConfig';

export const KEY = (k: string) => `cx-webhook-kit:${k}`;

// Each isolated Pulumi runtime adds its own process 'exit' hook; a suite runs the program several times.
process.setMaxListeners(50);

/**
 * Runs the real program under the recording mocks with a committed stack file's config, plus
 * overrides (`null` removes a key). Each run gets a fresh module registry, so a fresh Pulumi runtime.
 */
export async function runStack(
  stack: string,
  overrides: Record<string, string | null> = {},
  options: { secretKeys?: string[]; fakeGcp?: FakeGcpOptions } = {},
): Promise<ProgramRun> {
  const { config, secretKeys } = readStackConfig(stack);
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete config[KEY(k)];
    else config[KEY(k)] = v;
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
      secretKeys: [...secretKeys, ...(options.secretKeys ?? []).map(KEY)],
      fakeGcp: options.fakeGcp,
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
